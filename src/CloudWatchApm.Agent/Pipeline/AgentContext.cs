// What the startup hook tells the agent about the process, plus facts read once at startup.
using System.Reflection;

namespace CloudWatchApm.Agent.Pipeline;

internal sealed class AgentContext
{
    internal required string Home { get; init; }

    internal required string LoadingPath { get; init; }

    internal required string HookPath { get; init; }

    internal required string? EntryAssemblyName { get; init; }

    internal required IReadOnlySet<string> TrustedAssemblies { get; init; }

    internal static string AgentVersion { get; } =
        typeof(AgentContext).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion?.Split('+')[0]
        ?? typeof(AgentContext).Assembly.GetName().Version?.ToString() ?? "0.0.0";

    /// <summary>True when the app's trusted platform assemblies include <paramref name="simpleName"/>.</summary>
    internal bool AppHas(string simpleName) => TrustedAssemblies.Contains(simpleName);

    internal static IReadOnlySet<string> ReadTrustedAssemblies()
    {
        var set = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        if (AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES") is string tpa)
        {
            foreach (var path in tpa.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
            {
                set.Add(Path.GetFileNameWithoutExtension(path));
            }
        }

        return set;
    }
}
