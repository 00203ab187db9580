// Finding the agent home: --home, then OTEL_DOTNET_AUTO_HOME, then the folder this CLI
// runs from (or one of its parents: build.sh may put the CLI's files in <home>/cli).
using CloudWatchApm.Agent.Shared;

namespace CloudWatchApm.Cli;

internal static class AgentHome
{
    internal const string VersionFile = "VERSION";
    internal const string InstrumentScript = "instrument.sh";
    /// <summary>The agent is built once per runtime (ReadyToRun code is only used by the runtime it was compiled for).</summary>
    internal static readonly string[] AgentRelativePaths =
    [
        "agent/net8.0/CloudWatchApm.Agent.dll",
        "agent/net9.0/CloudWatchApm.Agent.dll",
        "agent/net10.0/CloudWatchApm.Agent.dll",
    ];

    /// <summary>The files and folders every home has, relative to it.</summary>
    internal static readonly string[] RequiredEntries =
    [
        "cwapm",
        InstrumentScript,
        InstrumentingVariables.HookRelativePath,
        AgentRelativePaths[0],
        AgentRelativePaths[1],
        AgentRelativePaths[2],
        InstrumentingVariables.AdditionalDepsFolder + "/shared/Microsoft.NETCore.App/8.0.0/CloudWatchApm.Agent.deps.json",
        InstrumentingVariables.AdditionalDepsFolder + "/shared/Microsoft.NETCore.App/9.0.0/CloudWatchApm.Agent.deps.json",
        InstrumentingVariables.StoreFolder + "/x64",
        VersionFile,
        Checksums.FileName,
    ];

    internal static bool IsHome(string? directory)
        => !string.IsNullOrEmpty(directory) && File.Exists(Path.Combine(directory, InstrumentingVariables.HookRelativePath));

    /// <summary>The home this CLI belongs to, found from its own folder, or null.</summary>
    internal static string? OwnHome(ICliEnvironment environment)
    {
        var dir = environment.BaseDirectory;
        for (var i = 0; i < 4 && !string.IsNullOrEmpty(dir); i++)
        {
            dir = Path.TrimEndingDirectorySeparator(dir);
            if (IsHome(dir))
            {
                return dir;
            }

            dir = Path.GetDirectoryName(dir);
        }

        return null;
    }

    /// <summary>
    /// The home to use: <paramref name="explicitHome"/> (--home) as given, else
    /// OTEL_DOTNET_AUTO_HOME when it holds a home, else the CLI's own home. Null with a
    /// reason when none is found.
    /// </summary>
    internal static string? Locate(ICliEnvironment environment, string? explicitHome, out string? problem)
    {
        problem = null;
        if (!string.IsNullOrEmpty(explicitHome))
        {
            return Path.TrimEndingDirectorySeparator(Path.GetFullPath(explicitHome));
        }

        var configured = environment.Get(ConfigurationKeys.Home);
        if (IsHome(configured))
        {
            return Path.TrimEndingDirectorySeparator(Path.GetFullPath(configured!));
        }

        var own = OwnHome(environment);
        if (own is not null)
        {
            return own;
        }

        problem = string.IsNullOrEmpty(configured)
            ? "agent home not found: this cwapm is not inside an agent home. Install one with `cwapm install`, or set "
                + ConfigurationKeys.Home + " (or --home) to the folder holding " + InstrumentingVariables.HookRelativePath
            : ConfigurationKeys.Home + "=" + configured + " is not an agent home (no " + InstrumentingVariables.HookRelativePath
                + " there). Point it at the folder `cwapm install` created, or reinstall";
        return null;
    }

    internal static string? ReadVersion(string home)
    {
        try
        {
            var path = Path.Combine(home, VersionFile);
            return File.Exists(path) ? File.ReadAllText(path).Trim() : null;
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }
}
