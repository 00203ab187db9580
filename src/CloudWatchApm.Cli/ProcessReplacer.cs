// `cwapm run` replaces itself with the application (execve), so the app keeps the pid,
// receives signals directly, and its exit code, stdin and stdout are its own. The
// environment is passed explicitly: on Unix .NET keeps a managed copy of the environment
// that libc's exec functions never see, so execvp with SetEnvironmentVariable would lose it.
using System.Runtime.InteropServices;

namespace CloudWatchApm.Cli;

internal interface IProcessReplacer
{
    /// <summary>
    /// Replaces the current process with <paramref name="path"/>. Returns only on failure,
    /// with the errno (never 0) and its text.
    /// </summary>
    int Exec(string path, IReadOnlyList<string> argv, IReadOnlyDictionary<string, string> environment, out string error);
}

internal sealed class ExecProcessReplacer : IProcessReplacer
{
    private const int SigPipe = 13;
    private const int SigSetMask = 2;

    public int Exec(string path, IReadOnlyList<string> argv, IReadOnlyDictionary<string, string> environment, out string error)
    {
        var args = new string?[argv.Count + 1];
        for (var i = 0; i < argv.Count; i++)
        {
            args[i] = argv[i];
        }

        var env = new string?[environment.Count + 1];
        var n = 0;
        foreach (var pair in environment)
        {
            env[n++] = pair.Key + "=" + pair.Value;
        }

        ResetSignals();
        NativeMethods.execve(path, args, env);
        var errno = Marshal.GetLastPInvokeError();
        error = Marshal.GetPInvokeErrorMessage(errno);
        return errno;
    }

    /// <summary>
    /// The runtime ignores SIGPIPE, and an ignored signal stays ignored across exec; the app
    /// (a `dotnet` host or anything else) must start with the defaults a shell would give it.
    /// Blocked signals are inherited too, so the mask is cleared.
    /// </summary>
    private static void ResetSignals()
    {
        try
        {
            NativeMethods.signal(SigPipe, IntPtr.Zero);
            var empty = new byte[128];
            NativeMethods.sigprocmask(SigSetMask, empty, IntPtr.Zero);
        }
        catch (EntryPointNotFoundException)
        {
            // Not glibc-like: exec anyway.
        }
    }

    private static class NativeMethods
    {
        [DllImport("libc", SetLastError = true)]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
        internal static extern int execve(
            [MarshalAs(UnmanagedType.LPUTF8Str)] string path,
            [MarshalAs(UnmanagedType.LPArray, ArraySubType = UnmanagedType.LPUTF8Str)] string?[] argv,
            [MarshalAs(UnmanagedType.LPArray, ArraySubType = UnmanagedType.LPUTF8Str)] string?[] envp);

        [DllImport("libc", SetLastError = true)]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
        internal static extern IntPtr signal(int signum, IntPtr handler);

        [DllImport("libc", SetLastError = true)]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
        internal static extern int sigprocmask(int how, byte[] set, IntPtr oldset);
    }
}

/// <summary>Finds a command on PATH the way execvp does.</summary>
internal static class CommandResolver
{
    /// <summary>
    /// A command containing '/' is used as given; otherwise the first executable regular file
    /// of that name in <paramref name="pathVariable"/>. Null when none is found.
    /// </summary>
    internal static string? Resolve(string command, string? pathVariable, out bool foundButNotExecutable)
    {
        foundButNotExecutable = false;
        if (command.Contains('/', StringComparison.Ordinal))
        {
            return command;
        }

        var path = string.IsNullOrEmpty(pathVariable) ? "/usr/local/bin:/usr/bin:/bin" : pathVariable;
        foreach (var dir in path.Split(':'))
        {
            var candidate = Path.Combine(dir.Length == 0 ? "." : dir, command);
            if (!File.Exists(candidate))
            {
                continue;
            }

            if (IsExecutable(candidate))
            {
                return candidate;
            }

            foundButNotExecutable = true;
        }

        return null;
    }

    private static bool IsExecutable(string file)
    {
        if (OperatingSystem.IsWindows())
        {
            return true;
        }

        var mode = File.GetUnixFileMode(file);
        return (mode & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) != 0;
    }
}
