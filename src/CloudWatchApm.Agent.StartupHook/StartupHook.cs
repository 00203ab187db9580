// The entry point the runtime calls for DOTNET_STARTUP_HOOKS, before the application's Main.
// It decides whether this process should be instrumented at all, checks that the agent can
// load here, teaches the default load context where the agent's assemblies live, and hands
// off by reflection. It never names an OpenTelemetry or DiagnosticSource type: on .NET 8/9
// that alone can abort the process before the resolver exists. Every step is guarded; the
// application must start whatever happens here (unless the user opted into fail-fast).
#nullable enable
using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Reflection;
using System.Runtime.Loader;
using CloudWatchApm.Agent.Shared;

#pragma warning disable CA1050 // The runtime requires a type named StartupHook outside any namespace.
internal sealed class StartupHook
#pragma warning restore CA1050
{
    /// <summary>AppContext key marking that an agent already started in this process.</summary>
    internal const string LoadedMarker = "CloudWatchApm.Agent.HookLoaded";

    private const string AgentAssemblyName = "CloudWatchApm.Agent";
    // Short and outside any namespace on purpose (see CwapmEntry.cs in the agent).
    private const string BootstrapType = "CwapmEntry";

    private static string? _agentDirectory;

    public static void Initialize()
    {
        var failFast = string.Equals(Environment.GetEnvironmentVariable(ConfigurationKeys.FailFast)?.Trim(), "true", StringComparison.OrdinalIgnoreCase);
        try
        {
            Run();
        }
        catch (Exception ex)
        {
            AgentLogFile.Error("cwapm startup hook failed; the application runs without the agent: " + ex);
            if (failFast)
            {
                throw;
            }
        }
    }

    private static void Run()
    {
        // Listed twice in DOTNET_STARTUP_HOOKS, or two copies of the agent: one agent only.
        if (AppDomain.CurrentDomain.GetData(LoadedMarker) is string earlier)
        {
            AgentLogFile.Debug("startup hook called again (" + HookPath() + "); the agent from " + earlier + " is already running");
            return;
        }

        AppDomain.CurrentDomain.SetData(LoadedMarker, HookPath());

        // The process name (about 1 ms to read here) only matters when there is no entry assembly
        // or the user lists processes to exclude; otherwise the entry assembly decides alone.
        var entryName = SafeEntryAssemblyName();
        var userExclusions = Environment.GetEnvironmentVariable(ConfigurationKeys.ExcludeProcesses);
        var processName = string.IsNullOrEmpty(entryName) || !string.IsNullOrWhiteSpace(userExclusions) ? CurrentProcess.Name() : null;
        if (ProcessExclusions.IsExcluded(entryName, processName, userExclusions, out _))
        {
            // Silent on purpose: `dotnet build` with the hook exported must look exactly as without it.
            return;
        }

        if (string.Equals(Environment.GetEnvironmentVariable(ConfigurationKeys.SdkDisabled)?.Trim(), "true", StringComparison.OrdinalIgnoreCase))
        {
            AgentLogFile.Info("OTEL_SDK_DISABLED=true: the agent does not start in " + (entryName ?? processName));
            return;
        }

        var stopwatch = Stopwatch.StartNew();
        var hookPath = HookPath();
        var home = Path.GetDirectoryName(Path.GetDirectoryName(hookPath));
        if (string.IsNullOrEmpty(home))
        {
            Refuse("cannot locate the agent home from the startup hook path '" + hookPath + "'", "install the agent with `cwapm install` and point DOTNET_STARTUP_HOOKS at <home>/hook/CloudWatchApm.Agent.StartupHook.dll");
            return;
        }

        var runtime = Environment.Version;
        if (runtime.Major < 8)
        {
            Refuse(".NET " + runtime + " is not supported (the agent needs .NET 8 or newer)", "run the application on .NET 8, 9 or 10");
            return;
        }

        string loadingPath;
        if (runtime.Major < 10)
        {
            if (!CheckDiagnosticSource(runtime, out loadingPath))
            {
                return;
            }
        }
        else
        {
            loadingPath = "resolver (.NET " + runtime.Major + " ships DiagnosticSource " + runtime.Major + ")";
        }

        _agentDirectory = AgentDirectory(home!, runtime);
        if (!CheckAgentFiles(home!, _agentDirectory))
        {
            return;
        }

        AssemblyLoadContext.Default.Resolving += ResolveFromAgentDirectory;
        HandOff(home!, loadingPath, hookPath, stopwatch);
    }

    /// <summary>
    /// .NET 8/9 carry an older System.Diagnostics.DiagnosticSource than OpenTelemetry needs.
    /// The additional deps and shared store that instrument.sh sets put version 10 on the
    /// trusted list; when they did not apply, loading the agent would fail, so say why instead.
    /// </summary>
    private static bool CheckDiagnosticSource(Version runtime, out string loadingPath)
    {
        loadingPath = string.Empty;
        var tpa = AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES") as string ?? string.Empty;
        string? dsPath = null;
        foreach (var entry in tpa.Split(Path.PathSeparator))
        {
            if (entry.EndsWith(Path.DirectorySeparatorChar + "System.Diagnostics.DiagnosticSource.dll", StringComparison.OrdinalIgnoreCase))
            {
                dsPath = entry;
                break;
            }
        }

        Version? dsVersion = null;
        try
        {
            if (dsPath != null)
            {
                dsVersion = AssemblyName.GetAssemblyName(dsPath).Version;
            }
        }
        catch (Exception ex)
        {
            AgentLogFile.Debug("could not read the version of " + dsPath + ": " + ex.Message);
        }

        if (dsVersion != null && dsVersion.Major >= 10)
        {
            var lifted = dsPath!.IndexOf(Path.DirectorySeparatorChar + "store" + Path.DirectorySeparatorChar, StringComparison.Ordinal) >= 0;
            loadingPath = (lifted ? "additional-deps (DiagnosticSource " : "app-local (DiagnosticSource ") + dsVersion + " from " + dsPath + ")";
            return true;
        }

        var frameworkDirectory = Path.GetDirectoryName(typeof(object).Assembly.Location) ?? string.Empty;
        var selfContained = string.Equals(
            Path.GetFullPath(frameworkDirectory).TrimEnd(Path.DirectorySeparatorChar),
            Path.GetFullPath(AppContext.BaseDirectory).TrimEnd(Path.DirectorySeparatorChar),
            StringComparison.Ordinal);
        var have = dsVersion == null ? "no System.Diagnostics.DiagnosticSource" : "System.Diagnostics.DiagnosticSource " + dsVersion;
        if (selfContained)
        {
            Refuse(
                "this self-contained .NET " + runtime + " application cannot be instrumented by the startup hook: it carries " + have + ", OpenTelemetry needs 10.0, and a self-contained app ignores DOTNET_ADDITIONAL_DEPS",
                "publish it framework-dependent, or target .NET 10, or add <PackageReference Include=\"System.Diagnostics.DiagnosticSource\" Version=\"10.0.0\" /> to the app");
        }
        else
        {
            Refuse(
                ".NET " + runtime + " loaded " + have + " but OpenTelemetry needs 10.0: DOTNET_ADDITIONAL_DEPS and DOTNET_SHARED_STORE do not point at this agent home (DOTNET_ADDITIONAL_DEPS='" + Environment.GetEnvironmentVariable(ConfigurationKeys.DotnetAdditionalDeps) + "')",
                "start the app with `<home>/instrument.sh <command>` or `cwapm run -- <command>`, which set both");
        }

        return false;
    }

    /// <summary>
    /// The agent is built once per runtime, in agent/net{major}.0: ReadyToRun code is only used
    /// by the runtime major version it was compiled for, and JIT-compiling the SDK instead
    /// costs the app a few hundred milliseconds of start-up. A newer runtime takes the newest
    /// build (its IL runs everywhere). A flat agent/ folder is accepted too.
    /// </summary>
    internal static string AgentDirectory(string home, Version runtime)
    {
        var root = Path.Combine(home, "agent");
        var exact = Path.Combine(root, "net" + runtime.Major + ".0");
        if (Directory.Exists(exact))
        {
            return exact;
        }

        for (var major = runtime.Major - 1; major >= 8; major--)
        {
            var older = Path.Combine(root, "net" + major + ".0");
            if (Directory.Exists(older))
            {
                return older;
            }
        }

        return root;
    }

    /// <summary>Checks that every file the build listed in this runtime's agent folder is there and readable.</summary>
    private static bool CheckAgentFiles(string home, string agentDirectory)
    {
        var agentDll = Path.Combine(agentDirectory, AgentAssemblyName + ".dll");
        var manifest = Path.Combine(home, "checksums.sha256");
        var prefix = agentDirectory.Substring(home.Length).TrimStart(Path.DirectorySeparatorChar).Replace(Path.DirectorySeparatorChar, '/') + "/";
        var required = new List<string> { agentDll };
        try
        {
            if (File.Exists(manifest))
            {
                foreach (var relative in ManifestPaths(File.ReadAllBytes(manifest)))
                {
                    if (relative.StartsWith(prefix, StringComparison.Ordinal) && relative.IndexOf('/', prefix.Length) < 0 && relative.EndsWith(".dll", StringComparison.Ordinal))
                    {
                        required.Add(Path.Combine(home, relative));
                    }
                }
            }

            foreach (var file in required)
            {
                // A directory in a file's place is not "missing": opening it below reports it unreadable.
                if (!File.Exists(file) && !Directory.Exists(file))
                {
                    Refuse("the agent home " + home + " is incomplete: " + file + " is missing", "reinstall the agent (`cwapm install`) and check it with `cwapm doctor`");
                    return false;
                }
            }

            using (File.OpenRead(agentDll))
            {
            }
        }
        catch (Exception ex)
        {
            Refuse("the agent home " + home + " cannot be read: " + ex.GetType().Name + ": " + ex.Message, "make the agent home readable by the user the application runs as");
            return false;
        }

        return true;
    }

    /// <summary>
    /// The relative paths of a sha256sum manifest ("&lt;hex&gt;  &lt;relative path&gt;" per line).
    /// Decoded by hand: the build writes ASCII only, and the first use of a text decoder (a
    /// StreamReader, or Encoding.UTF8) cost the app's start-up about 0.7 ms before its Main.
    /// A line with any other byte is skipped.
    /// </summary>
    internal static List<string> ManifestPaths(byte[] manifest)
    {
        var paths = new List<string>();
        var start = 0;
        while (start < manifest.Length)
        {
            var end = start;
            while (end < manifest.Length && manifest[end] != (byte)'\n')
            {
                end++;
            }

            // The path starts after the first two spaces, which must follow the checksum.
            var from = -1;
            for (var i = start + 1; i + 1 < end; i++)
            {
                if (manifest[i] == (byte)' ' && manifest[i + 1] == (byte)' ')
                {
                    from = i + 2;
                    break;
                }
            }

            var to = end;
            while (from >= 0 && to > from && (manifest[to - 1] == (byte)'\r' || manifest[to - 1] == (byte)' '))
            {
                to--;
            }

            if (from >= 0 && to > from)
            {
                var chars = new char[to - from];
                var ascii = true;
                for (var i = 0; i < chars.Length; i++)
                {
                    var b = manifest[from + i];
                    ascii &= b < 0x80;
                    chars[i] = (char)b;
                }

                if (ascii)
                {
                    paths.Add(new string(chars));
                }
            }

            start = end + 1;
        }

        return paths;
    }

    private static void HandOff(string home, string loadingPath, string hookPath, Stopwatch stopwatch)
    {
        var assembly = AssemblyLoadContext.Default.LoadFromAssemblyPath(Path.Combine(_agentDirectory!, AgentAssemblyName + ".dll"));
        var type = assembly.GetType(BootstrapType, throwOnError: true)!;
        var initialize = type.GetMethod("Initialize", BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static)
            ?? throw new MissingMethodException(BootstrapType, "Initialize");
        initialize.Invoke(null, new object[] { home, loadingPath, hookPath, stopwatch.Elapsed.TotalMilliseconds });
    }

    private static Assembly? ResolveFromAgentDirectory(AssemblyLoadContext context, AssemblyName name)
    {
        try
        {
            if (_agentDirectory == null || string.IsNullOrEmpty(name.Name))
            {
                return null;
            }

            var candidate = Path.Combine(_agentDirectory, name.Name + ".dll");
            if (!File.Exists(candidate))
            {
                return null;
            }

            return context.LoadFromAssemblyPath(candidate);
        }
        catch (Exception ex)
        {
            AgentLogFile.Warn("could not load " + name + " from the agent folder: " + ex.Message);
            return null;
        }
    }

    /// <summary>One clear line, in the agent log and on stderr: what, why, what to do.</summary>
    private static void Refuse(string what, string todo)
    {
        var line = "cwapm: the agent is not active in this process: " + what + ". What to do: " + todo + ". The application runs without the agent.";
        AgentLogFile.Warn(line);
        try
        {
            Console.Error.WriteLine(line);
        }
        catch
        {
            // stderr closed: the log has it.
        }
    }

    private static string HookPath()
    {
        try
        {
            return typeof(StartupHook).Assembly.Location;
        }
        catch
        {
            return string.Empty;
        }
    }

    private static string? SafeEntryAssemblyName()
    {
        try
        {
            return Assembly.GetEntryAssembly()?.GetName().Name;
        }
        catch
        {
            return null;
        }
    }
}
