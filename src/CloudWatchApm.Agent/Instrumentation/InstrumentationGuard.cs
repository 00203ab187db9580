// The rule every instrumentation follows: an exception in the agent's own instrumentation code
// is caught, logged once, and turns that instrumentation off for the rest of the process; it
// never reaches the application. Also logs, once per library, a version the agent does not know.
using System.Collections.Concurrent;
using System.Reflection;
using CloudWatchApm.Agent.Diagnostics;

namespace CloudWatchApm.Agent.Instrumentation;

internal static class InstrumentationGuard
{
    private static readonly ConcurrentDictionary<string, bool> Disabled = new(StringComparer.Ordinal);
    private static readonly ConcurrentDictionary<string, bool> VersionsLogged = new(StringComparer.Ordinal);

    /// <summary>Cheap check for the hot paths: a lock-free read of a dictionary that is almost always empty.</summary>
    internal static bool IsDisabled(string id) => !Disabled.IsEmpty && Disabled.ContainsKey(id);

    internal static void Disable(string id, string what, Exception ex)
    {
        if (Disabled.TryAdd(id, true))
        {
            AgentLog.Error($"instrumentation {id} failed in {what} and is turned off for this process; the application is not affected", ex);
        }
    }

    /// <summary>For tests.</summary>
    internal static void Reset() => Disabled.Clear();

    /// <summary>
    /// True when <paramref name="assembly"/> has a major version within the range the
    /// instrumentation <paramref name="id"/> knows; otherwise logs it (once) and returns false.
    /// </summary>
    internal static bool IsKnownVersion(string id, Assembly assembly)
    {
        var name = assembly.GetName();
        foreach (var (asm, knownId, min, max) in InstrumentationCatalog.KnownVersions)
        {
            if (knownId != id || !string.Equals(asm, name.Name, StringComparison.Ordinal))
            {
                continue;
            }

            var major = name.Version?.Major ?? 0;
            if (major >= min && major <= max)
            {
                return true;
            }

            if (VersionsLogged.TryAdd(id + "/" + name.Version, true))
            {
                AgentLog.Warn($"{name.Name} {name.Version} is not a version instrumentation {id} knows (major versions {min} to {max}); it is skipped, the application runs as usual");
            }

            return false;
        }

        return true;
    }
}
