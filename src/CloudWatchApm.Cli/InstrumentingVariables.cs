// The one place that says which variables instrument an app. `cwapm run` sets them,
// `cwapm env` and `cwapm install` print them, and the docs and tests read them from here.
using CloudWatchApm.Agent.Shared;

namespace CloudWatchApm.Cli;

internal static class InstrumentingVariables
{
    internal const string HookFileName = "CloudWatchApm.Agent.StartupHook.dll";
    internal const string HookRelativePath = "hook/" + HookFileName;

    /// <summary>
    /// The file name the OpenTelemetry Operator puts in DOTNET_STARTUP_HOOKS; the init image
    /// ships our hook under it too (net/ in the home, see docs/containers.md).
    /// </summary>
    internal const string OperatorHookFileName = "OpenTelemetry.AutoInstrumentation.StartupHook.dll";
    internal const string AdditionalDepsFolder = "additional-deps";
    internal const string StoreFolder = "store";

    /// <summary>
    /// Where the agent home sits inside a container (init image volume), unless --home says otherwise.
    /// build/container uses the same value: the init image's default command copies into it
    /// (build-image.sh reads it from here) and the manifests mount the volume there;
    /// tests/CloudWatchApm.Agent.IntegrationTests/Containers checks both against `cwapm env`.
    /// </summary>
    internal const string ContainerHome = "/cwapm";

    /// <summary>The variables in the order they are set and printed.</summary>
    internal static readonly string[] Names =
    [
        ConfigurationKeys.DotnetStartupHooks,
        ConfigurationKeys.DotnetAdditionalDeps,
        ConfigurationKeys.DotnetSharedStore,
        ConfigurationKeys.Home,
    ];

    internal static string HookPath(string home) => Join(home, HookRelativePath);

    /// <summary>
    /// True when a DOTNET_STARTUP_HOOKS entry loads this agent: our hook's own name, or the
    /// Operator's name inside one of our homes (the folder above it holds agent/). The
    /// OpenTelemetry project's own auto-instrumentation has the same file name but no agent/.
    /// </summary>
    /// <summary>The home a hook path belongs to: the folder above hook/ (or net/).</summary>
    internal static string? HomeOf(string hookPath) => Path.GetDirectoryName(Path.GetDirectoryName(hookPath));

    internal static bool IsAgentHook(string path)
    {
        var name = Path.GetFileName(path);
        if (name == HookFileName)
        {
            return true;
        }

        if (name != OperatorHookFileName)
        {
            return false;
        }

        try
        {
            var home = HomeOf(path);
            return home is not null && Directory.Exists(Path.Combine(home, "agent"));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return false;
        }
    }

    internal static string AdditionalDepsPath(string home) => Join(home, AdditionalDepsFolder);

    internal static string StorePath(string home) => Join(home, StoreFolder);

    /// <summary>
    /// The loading variables for <paramref name="home"/>. Path lists are appended to what
    /// <paramref name="existing"/> holds (another tool's startup hook keeps working) and never
    /// duplicated; a hook of ours from another home is replaced so the agent loads once.
    /// Pass a lookup that returns null for everything to get the plain values.
    /// </summary>
    internal static List<KeyValuePair<string, string>> For(string home, Func<string, string?> existing)
    {
        home = TrimEnd(home);
        return
        [
            new(ConfigurationKeys.DotnetStartupHooks, AppendPath(existing(ConfigurationKeys.DotnetStartupHooks), HookPath(home), HookFileName)),
            new(ConfigurationKeys.DotnetAdditionalDeps, AppendPath(existing(ConfigurationKeys.DotnetAdditionalDeps), AdditionalDepsPath(home), null)),
            new(ConfigurationKeys.DotnetSharedStore, AppendPath(existing(ConfigurationKeys.DotnetSharedStore), StorePath(home), null)),
            new(ConfigurationKeys.Home, home),
        ];
    }

    /// <summary>
    /// Appends <paramref name="value"/> to a ':'-separated list unless it is already there.
    /// Entries whose file name is <paramref name="replaceFileName"/> are dropped first.
    /// </summary>
    internal static string AppendPath(string? existing, string value, string? replaceFileName)
    {
        if (string.IsNullOrEmpty(existing))
        {
            return value;
        }

        var kept = new List<string>();
        var present = false;
        foreach (var entry in existing.Split(':'))
        {
            if (entry.Length == 0)
            {
                continue;
            }

            if (TrimEnd(entry) == value)
            {
                if (!present)
                {
                    kept.Add(entry);
                }

                present = true;
                continue;
            }

            if (replaceFileName is not null && string.Equals(Path.GetFileName(entry), replaceFileName, StringComparison.Ordinal))
            {
                continue;
            }

            if (!kept.Contains(entry))
            {
                kept.Add(entry);
            }
        }

        if (!present)
        {
            kept.Add(value);
        }

        return string.Join(':', kept);
    }

    private static string Join(string home, string relative) => TrimEnd(home) + "/" + relative;

    internal static string TrimEnd(string path) => path.Length > 1 ? path.TrimEnd('/') : path;
}
