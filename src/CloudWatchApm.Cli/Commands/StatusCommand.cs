using System.Globalization;
using System.Text;
using CloudWatchApm.Agent.Shared;

namespace CloudWatchApm.Cli.Commands;

/// <summary>
/// `cwapm status &lt;pid&gt;`: is a running process instrumented, from the outside only: its
/// environment, the files it has mapped, and the agent's log. Nothing is attached.
/// </summary>
internal sealed class StatusCommand : Command
{
    internal const string LoadingPathMarker = "loading path:";
    private const string AgentDll = "CloudWatchApm.Agent.dll";
    private const string OpenTelemetryDll = "OpenTelemetry.dll";

    internal override string Name => "status";

    internal override string Brief => "is a running process instrumented?";

    internal override string Summary => "Tell whether a running process is instrumented: its DOTNET_STARTUP_HOOKS, the agent and OpenTelemetry copies it has loaded, and the agent log's loading path.";

    internal override string Usage => "status <pid>";

    internal override IReadOnlyList<OptionSpec> Options { get; } = [];

    internal override string Details => """
        Reads /proc/<pid>/environ, /proc/<pid>/maps and the agent log (cwapm-<process>-<pid>.log
        in OTEL_DOTNET_AUTO_LOG_DIRECTORY, /var/log/cwapm or the temp folder). Reading another
        user's process needs root. Exit code: 0 instrumented and loaded once, 1 a problem
        (not instrumented, agent not loaded, two copies, process not found), 2 usage error.

        Example:
          cwapm status $(pgrep -f Orders.dll)
        """;

    internal override int Execute(CliContext context, ParsedArgs args)
    {
        if (args.Positionals.Count != 1 || !int.TryParse(args.Positionals[0], NumberStyles.None, CultureInfo.InvariantCulture, out var pid) || pid <= 0)
        {
            return UsageError(context, args.Positionals.Count == 0 ? "missing the process id" : "expected one process id (a positive number)");
        }

        var output = context.Console.Out;
        var procDir = Path.Combine(context.Environment.ProcRoot, pid.ToString(CultureInfo.InvariantCulture));
        if (!Directory.Exists(procDir))
        {
            context.Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"cwapm status: no process {pid}"));
            return ExitCodes.Problems;
        }

        var problems = 0;
        var comm = ReadText(Path.Combine(procDir, "comm"))?.Trim();
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"process {pid}{(comm is null ? string.Empty : " (" + comm + ")")}"));

        var environment = ReadEnviron(Path.Combine(procDir, "environ"), out var environError);
        string? Env(string key) => environment is not null && environment.TryGetValue(key, out var value) ? value : null;
        if (environment is null)
        {
            output.WriteLine("  environment: cannot read (" + environError + "); run as the process's user or root");
            problems++;
        }
        else
        {
            var hooks = Env(ConfigurationKeys.DotnetStartupHooks);
            var ours = hooks?.Split(':').Where(InstrumentingVariables.IsAgentHook).ToList() ?? [];
            if (ours.Count == 0)
            {
                output.WriteLine("  startup hook: not set (" + ConfigurationKeys.DotnetStartupHooks + (hooks is null ? " unset" : "=" + hooks) + "): the process was not started instrumented");
                output.WriteLine("  fix: restart it under `cwapm run -- <command>` or with the variables of `cwapm env`");
                problems++;
            }
            else
            {
                output.WriteLine("  startup hook: " + string.Join(", ", ours));
            }

            output.WriteLine("  service name: " + (Env(ConfigurationKeys.ServiceName) ?? "(OTEL_SERVICE_NAME unset: from OTEL_RESOURCE_ATTRIBUTES or the entry assembly)"));
        }

        var maps = ReadMappedFiles(Path.Combine(procDir, "maps"), out var mapsError);
        if (maps is null)
        {
            output.WriteLine("  loaded files: cannot read maps (" + mapsError + ")");
            problems++;
        }
        else
        {
            var agents = maps.Where(m => Path.GetFileName(m) == AgentDll).ToList();
            var otel = maps.Where(m => Path.GetFileName(m) == OpenTelemetryDll).ToList();
            if (agents.Count == 0)
            {
                output.WriteLine("  agent: not loaded (no " + AgentDll + " mapped); see the agent log below for why");
                problems++;
            }

            foreach (var agent in agents)
            {
                // <home>/agent/net<major>.0/CloudWatchApm.Agent.dll (or a flat <home>/agent/).
                var agentFolder = Path.GetDirectoryName(agent);
                if (Path.GetFileName(agentFolder)?.StartsWith("net", StringComparison.Ordinal) == true)
                {
                    agentFolder = Path.GetDirectoryName(agentFolder);
                }

                var home = Path.GetDirectoryName(agentFolder);
                var version = home is null ? null : AgentHome.ReadVersion(home);
                output.WriteLine("  agent: " + agent + " (home " + home + ", version " + (version ?? "unknown") + ")");
            }

            foreach (var copy in otel)
            {
                output.WriteLine("  OpenTelemetry: " + copy);
            }

            if (agents.Count > 1)
            {
                output.WriteLine("  problem: the agent is loaded from more than one place; set DOTNET_STARTUP_HOOKS to one home only");
                problems++;
            }

            if (otel.Count > 1)
            {
                output.WriteLine("  problem: more than one OpenTelemetry.dll is loaded (the app ships its own?): telemetry may be split or duplicated; align the app's OpenTelemetry version with the agent's");
                problems++;
            }
        }

        var log = FindLog(Env, pid);
        if (log is null)
        {
            output.WriteLine("  agent log: none found for pid " + pid.ToString(CultureInfo.InvariantCulture));
        }
        else
        {
            output.WriteLine("  agent log: " + log);
            var lines = ReadLines(log);
            var loading = lines.LastOrDefault(l => l.Contains(LoadingPathMarker, StringComparison.OrdinalIgnoreCase));
            output.WriteLine("  " + (loading is null ? "loading path: not logged yet" : loading[loading.IndexOf(LoadingPathMarker, StringComparison.OrdinalIgnoreCase)..].Trim()));
            var errors = lines.Where(l => l.Contains("[ERROR]", StringComparison.Ordinal) || l.Contains("[WARN]", StringComparison.Ordinal)).ToList();
            foreach (var line in errors.TakeLast(5))
            {
                output.WriteLine("  log: " + line);
            }
        }

        output.WriteLine(problems == 0 ? "instrumented" : string.Create(CultureInfo.InvariantCulture, $"{problems} problem{(problems == 1 ? string.Empty : "s")} found"));
        return problems == 0 ? ExitCodes.Ok : ExitCodes.Problems;
    }

    /// <summary>NUL-separated NAME=VALUE pairs.</summary>
    internal static Dictionary<string, string>? ReadEnviron(string path, out string? error)
    {
        error = null;
        try
        {
            var result = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var entry in Encoding.UTF8.GetString(File.ReadAllBytes(path)).Split('\0'))
            {
                var eq = entry.IndexOf('=', StringComparison.Ordinal);
                if (eq > 0)
                {
                    result[entry[..eq]] = entry[(eq + 1)..];
                }
            }

            return result;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            error = ex.Message;
            return null;
        }
    }

    /// <summary>The distinct file paths in a maps file ("address perms offset dev inode path").</summary>
    internal static List<string>? ReadMappedFiles(string path, out string? error)
    {
        error = null;
        try
        {
            var result = new List<string>();
            foreach (var line in File.ReadLines(path))
            {
                var slash = line.IndexOf('/', StringComparison.Ordinal);
                if (slash < 0)
                {
                    continue;
                }

                var file = line[slash..].Trim();
                if (file.EndsWith(" (deleted)", StringComparison.Ordinal))
                {
                    file = file[..^" (deleted)".Length];
                }

                if (!result.Contains(file))
                {
                    result.Add(file);
                }
            }

            return result;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            error = ex.Message;
            return null;
        }
    }

    private static string? FindLog(Func<string, string?> env, int pid)
    {
        var configured = env(ConfigurationKeys.LogDirectory);
        var tmp = env("TMPDIR") is { Length: > 0 } t ? t : "/tmp";
        var directories = new List<string>();
        if (!string.IsNullOrEmpty(configured))
        {
            directories.Add(configured);
        }

        // The places AgentLogFile.ResolveDirectory picks from, in its order, but as the target
        // process sees them (its TMPDIR) and without creating anything.
        directories.Add(AgentLogFile.DefaultDirectory);
        directories.Add(Path.Combine(tmp, "cwapm"));
        directories.Add(tmp);

        var pattern = "cwapm-*-" + pid.ToString(CultureInfo.InvariantCulture) + ".log";
        foreach (var directory in directories.Distinct())
        {
            try
            {
                if (!Directory.Exists(directory))
                {
                    continue;
                }

                var newest = Directory.GetFiles(directory, pattern).OrderByDescending(File.GetLastWriteTimeUtc).FirstOrDefault();
                if (newest is not null)
                {
                    return newest;
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // Unreadable folder: try the next place.
            }
        }

        return null;
    }

    private static string? ReadText(string path)
    {
        try
        {
            return File.Exists(path) ? File.ReadAllText(path) : null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static List<string> ReadLines(string path)
    {
        try
        {
            return [.. File.ReadLines(path)];
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }
}
