// What the startup hook tells the agent about the process, plus facts read once at startup.
using System.Reflection;

namespace CloudWatchApm.Agent.Pipeline;

internal sealed class AgentContext
{
    internal required string Home { get; init; }

    internal required string LoadingPath { get; init; }

    internal required string HookPath { get; init; }

    internal required string? EntryAssemblyName { get; init; }

    /// <summary>The runtime's TRUSTED_PLATFORM_ASSEMBLIES: the app's and the frameworks' assembly paths.</summary>
    internal required string TrustedPlatformAssemblies { get; init; }

    internal static string AgentVersion { get; } =
        typeof(AgentContext).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion?.Split('+')[0]
        ?? typeof(AgentContext).Assembly.GetName().Version?.ToString() ?? "0.0.0";

    /// <summary>True when the app's trusted platform assemblies include <paramref name="simpleName"/>.</summary>
    internal bool AppHas(string simpleName) => Lists(TrustedPlatformAssemblies, simpleName);

    internal static string ReadTrustedPlatformAssemblies() => AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES") as string ?? string.Empty;

    /// <summary>
    /// True when <paramref name="paths"/> (separated by the platform's path separator) has a file
    /// named <paramref name="simpleName"/>.dll. A search in the runtime's own string: the agent asks
    /// before the app's Main, where splitting a list of a few hundred paths into a set cost 0.6 ms.
    /// </summary>
    internal static bool Lists(string paths, string simpleName)
    {
        var file = Path.DirectorySeparatorChar + simpleName + ".dll";
        for (var from = 0; from < paths.Length;)
        {
            var at = paths.IndexOf(file, from, StringComparison.Ordinal);
            if (at < 0)
            {
                return false;
            }

            var end = at + file.Length;
            if (end == paths.Length || paths[end] == Path.PathSeparator)
            {
                return true;
            }

            from = at + 1;
        }

        return false;
    }
}
