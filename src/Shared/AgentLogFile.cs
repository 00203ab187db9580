// Where the agent writes its own log. Linked into the startup hook and the agent so that
// the lines written before and after the hand-off land in the same file.
// No package references and nothing newer than .NET Core 3.1 APIs: the hook targets it.
#nullable enable
using System;
using System.Diagnostics;
using System.IO;
using System.Text;

namespace CloudWatchApm.Agent.Shared;

internal static class AgentLogFile
{
    internal const string DefaultDirectory = "/var/log/cwapm";

    private static readonly object Sync = new object();
    private static readonly Encoding Utf8NoBom = new UTF8Encoding(false);
    private static string? _path;
    private static bool _disabled;
    private static bool _toConsole;

    /// <summary>Process-scoped file name: one file per process, sortable by program and pid.</summary>
    internal static string FileName(string processName, int pid)
        => "cwapm-" + Sanitize(processName) + "-" + pid.ToString(System.Globalization.CultureInfo.InvariantCulture) + ".log";

    /// <summary>
    /// The directory the log goes to: OTEL_DOTNET_AUTO_LOG_DIRECTORY when set, else
    /// /var/log/cwapm when it can be created and written, else the temp folder.
    /// </summary>
    internal static string ResolveDirectory(string? configured)
    {
        if (!string.IsNullOrWhiteSpace(configured) && TryPrepare(configured!))
        {
            return configured!;
        }

        if (TryPrepare(DefaultDirectory))
        {
            return DefaultDirectory;
        }

        var temp = Path.Combine(Path.GetTempPath(), "cwapm");
        return TryPrepare(temp) ? temp : Path.GetTempPath();
    }

    /// <summary>Numeric level: 0 none, 1 error, 2 warn, 3 info, 4 debug (OTEL_LOG_LEVEL).</summary>
    internal static int Level { get; set; } = ParseLevel(Environment.GetEnvironmentVariable(ConfigurationKeys.LogLevel));

    internal static int ParseLevel(string? value)
    {
        switch ((value ?? string.Empty).Trim().ToLowerInvariant())
        {
            case "none": case "off": return 0;
            case "error": case "fatal": return 1;
            case "warn": case "warning": return 2;
            case "debug": case "trace": case "verbose": case "all": return 4;
            default: return 3;
        }
    }

    internal static bool IsEnabled(int level) => level <= Level;

    internal static void Error(string message) { if (IsEnabled(1)) { Write("ERROR", message); } }

    internal static void Warn(string message) { if (IsEnabled(2)) { Write("WARN", message); } }

    internal static void Info(string message) { if (IsEnabled(3)) { Write("INFO", message); } }

    internal static void Debug(string message) { if (IsEnabled(4)) { Write("DEBUG", message); } }

    /// <summary>Appends one line. Never throws; a log that cannot be written is switched off.</summary>
    internal static void Write(string level, string message)
    {
        if (_disabled)
        {
            return;
        }

        if (_toConsole)
        {
            try
            {
                Console.Out.WriteLine("[cwapm] [" + level + "] " + message);
            }
            catch
            {
                _disabled = true;
            }

            return;
        }

        try
        {
            var path = CurrentPath();
            if (path is null)
            {
                if (_toConsole)
                {
                    Write(level, message);
                }

                return;
            }

            var line = DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", System.Globalization.CultureInfo.InvariantCulture)
                + " [" + level + "] " + message + "\n";
            lock (Sync)
            {
                File.AppendAllText(path, line, Utf8NoBom);
            }
        }
        catch
        {
            _disabled = true;
        }
    }

    /// <summary>The file this process writes to, or null when logging to a file is off.</summary>
    internal static string? CurrentPath()
    {
        if (_path != null)
        {
            return _path;
        }

        // OTEL_DOTNET_AUTO_LOGGER: file (default), console (the user asked for stdout), none.
        var logger = (Environment.GetEnvironmentVariable(ConfigurationKeys.Logger) ?? string.Empty).Trim();
        if (string.Equals(logger, "none", StringComparison.OrdinalIgnoreCase))
        {
            _disabled = true;
            return null;
        }

        if (string.Equals(logger, "console", StringComparison.OrdinalIgnoreCase))
        {
            _toConsole = true;
            return null;
        }

        var dir = ResolveDirectory(Environment.GetEnvironmentVariable(ConfigurationKeys.LogDirectory));
        _path = Path.Combine(dir, FileName(CurrentProcess.Name() ?? "dotnet", CurrentProcess.Id()));
        return _path;
    }

    private static bool TryPrepare(string directory)
    {
        try
        {
            Directory.CreateDirectory(directory);
            var probe = Path.Combine(directory, ".cwapm-write-test-" + Guid.NewGuid().ToString("N"));
            File.WriteAllText(probe, string.Empty);
            File.Delete(probe);
            return true;
        }
        catch
        {
            return false;
        }
    }

    private static string Sanitize(string name)
    {
        var sb = new StringBuilder(name.Length);
        foreach (var c in name)
        {
            sb.Append(char.IsLetterOrDigit(c) || c == '.' || c == '_' || c == '-' ? c : '_');
        }

        return sb.Length == 0 ? "process" : sb.ToString();
    }
}
