// The environment seam: variables, the user's home, root or not, where the CLI's own files
// are and where /proc is. Tests hand in a fake so nothing global is changed.
using System.Collections;
using System.Runtime.InteropServices;

namespace CloudWatchApm.Cli;

internal interface ICliEnvironment
{
    /// <summary>The value of a variable, or null when unset.</summary>
    string? Get(string name);

    /// <summary>A copy of every variable.</summary>
    IReadOnlyDictionary<string, string> GetAll();

    /// <summary>The user's home folder (for ~/.cwapm and ~/.aws).</summary>
    string UserHome { get; }

    /// <summary>True when running as root (install then defaults to /opt/cwapm).</summary>
    bool IsRoot { get; }

    /// <summary>The folder of the CLI's own files (AppContext.BaseDirectory).</summary>
    string BaseDirectory { get; }

    /// <summary>Where the proc file system is mounted ("/proc").</summary>
    string ProcRoot { get; }
}

internal sealed class SystemEnvironment : ICliEnvironment
{
    public string? Get(string name) => Environment.GetEnvironmentVariable(name);

    public IReadOnlyDictionary<string, string> GetAll()
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (DictionaryEntry entry in Environment.GetEnvironmentVariables())
        {
            if (entry.Key is string key && entry.Value is string value)
            {
                result[key] = value;
            }
        }

        return result;
    }

    public string UserHome => Get("HOME") is { Length: > 0 } home ? home : Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);

    public bool IsRoot => (OperatingSystem.IsLinux() || OperatingSystem.IsMacOS()) && NativeMethods.geteuid() == 0;

    public string BaseDirectory => AppContext.BaseDirectory;

    public string ProcRoot => "/proc";

    private static class NativeMethods
    {
        [DllImport("libc", SetLastError = false)]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
        internal static extern uint geteuid();
    }
}
