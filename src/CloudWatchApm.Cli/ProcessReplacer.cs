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
        var strings = new List<string>(argv.Count + environment.Count);
        strings.AddRange(argv);
        foreach (var pair in environment)
        {
            strings.Add(pair.Key + "=" + pair.Value);
        }

        // char*[] built by hand as UTF-8: the marshaller's string arrays are not UTF-8 everywhere.
        var args = new IntPtr[argv.Count + 1];
        var env = new IntPtr[environment.Count + 1];
        try
        {
            for (var i = 0; i < strings.Count; i++)
            {
                var native = Marshal.StringToCoTaskMemUTF8(strings[i]);
                if (i < argv.Count)
                {
                    args[i] = native;
                }
                else
                {
                    env[i - argv.Count] = native;
                }
            }

            ResetSignals();
            NativeMethods.execve(path, args, env);
            var errno = Marshal.GetLastPInvokeError();
            error = Marshal.GetPInvokeErrorMessage(errno);
            return errno == 0 ? -1 : errno;
        }
        finally
        {
            foreach (var pointer in args.Concat(env))
            {
                Marshal.FreeCoTaskMem(pointer);
            }
        }
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
        internal static extern int execve([MarshalAs(UnmanagedType.LPUTF8Str)] string path, IntPtr[] argv, IntPtr[] envp);

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
