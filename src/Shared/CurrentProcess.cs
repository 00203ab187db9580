// The current process's name, cheaply. Process.GetCurrentProcess().ProcessName gathers the
// process's information from /proc on its first call: 14-18 ms measured in a bare console app,
// paid by the startup hook before the application's Main. The executable's path is one readlink,
// cached by the runtime.
#nullable enable
using System;
using System.Diagnostics;
using System.IO;
using System.Runtime.CompilerServices;

namespace CloudWatchApm.Agent.Shared;

internal static class CurrentProcess
{
    /// <summary>The executable's file name ("dotnet" for `dotnet app.dll`, the app's name for an apphost); null when unknown.</summary>
    internal static string? Name()
    {
        try
        {
            if (ProcessPath() is { Length: > 0 } path)
            {
                return FromPath(path);
            }

            return FromProcess();
        }
        catch
        {
            return null;
        }
    }

#if NET6_0_OR_GREATER
    private static string? ProcessPath() => Environment.ProcessPath;
#else
    // Environment.ProcessPath exists from .NET 6; the hook is compiled for an older target, so it
    // calls the property's getter through a delegate: PropertyInfo.GetValue would first emit an
    // invoke stub and JIT-compile it, before the application's Main.
    private static string? ProcessPath()
    {
        var getter = typeof(Environment).GetProperty("ProcessPath")?.GetGetMethod();
        return getter == null ? null : ((Func<string?>)getter.CreateDelegate(typeof(Func<string?>)))();
    }
#endif

    /// <summary>The current process's id, without loading System.Diagnostics.Process where the runtime has Environment.ProcessId.</summary>
    internal static int Id()
    {
#if NET5_0_OR_GREATER
        return Environment.ProcessId;
#else
        using (var process = Process.GetCurrentProcess())
        {
            return process.Id;
        }
#endif
    }

    // Its own method, so that the JIT does not load System.Diagnostics.Process for Name().
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static string FromProcess()
    {
        using (var process = Process.GetCurrentProcess())
        {
            return process.ProcessName;
        }
    }

    /// <summary>The name Process.ProcessName gives for an executable path: the file name, without ".exe".</summary>
    internal static string FromPath(string path)
    {
        var name = Path.GetFileName(path);
        return name.EndsWith(".exe", StringComparison.OrdinalIgnoreCase) ? name.Substring(0, name.Length - 4) : name;
    }
}
