// The agent's entry point, called by reflection from the startup hook once the agent's
// assemblies can be resolved. Reads and validates settings, decides whether the agent should
// step aside, builds the pipeline and writes the one-line startup summary. Methods that name
// OpenTelemetry types are kept out of this class's hot path (NoInlining) so that stepping
// aside never loads OpenTelemetry at all.
using System.Diagnostics;
using System.Reflection;
using System.Runtime.CompilerServices;
using CloudWatchApm.Agent.Configuration;
using CloudWatchApm.Agent.Diagnostics;
using CloudWatchApm.Agent.Pipeline;
using CloudWatchApm.Agent.Shared;

namespace CloudWatchApm.Agent;

internal static class Bootstrap
{
    private static int _initialized;

    internal static bool FailFast { get; private set; }

    internal static AgentSettings? Settings { get; private set; }

    /// <summary>Called once by the startup hook. Never throws unless fail-fast is on.</summary>
    public static void Initialize(string home, string loadingPath, string hookPath, double hookMilliseconds)
    {
        if (Interlocked.Exchange(ref _initialized, 1) == 1)
        {
            return;
        }

        var sw = Stopwatch.StartNew();
        try
        {
            var entry = SafeEntryName();
            var settings = AgentSettings.FromProcess(entry);
            Settings = settings;
            FailFast = settings.FailFast;
            AgentLogFile.Level = settings.LogLevel;

            // One list of problems, the agent's and the AWS ones, as `cwapm doctor` shows them.
            var problems = settings.Problems.Concat(AwsSettings.Process.Problems).ToList();
            foreach (var problem in problems)
            {
                AgentLog.Warn("configuration: " + problem);
            }

            if (settings.FailFast && problems.Count > 0)
            {
                throw new InvalidOperationException("cwapm: OTEL_DOTNET_AUTO_FAIL_FAST_ENABLED=true and the configuration has problems:" + Environment.NewLine + "  " + string.Join(Environment.NewLine + "  ", problems));
            }

            if (settings.SdkDisabled)
            {
                AgentLog.Info("OTEL_SDK_DISABLED=true: no providers are built");
                return;
            }

            var context = new AgentContext
            {
                Home = home,
                LoadingPath = loadingPath,
                HookPath = hookPath,
                EntryAssemblyName = entry,
                TrustedPlatformAssemblies = AgentContext.ReadTrustedPlatformAssemblies(),
            };

            // An app that ships the OpenTelemetry SDK configures its own providers; a second
            // set from the agent would export every span twice. Step aside before any
            // OpenTelemetry type is loaded, so the app keeps exactly the SDK version it chose.
            if (context.AppHas("OpenTelemetry"))
            {
                AgentLog.Info($"cwapm agent {AgentContext.AgentVersion}: the application ships the OpenTelemetry SDK itself ({OwnSdkVersion()}); the agent builds no providers so nothing is exported twice. Remove the app's own setup to let the agent instrument it, or keep it and unset DOTNET_STARTUP_HOOKS.");
                return;
            }

            Start(settings, context, sw, hookMilliseconds);
        }
        catch (Exception ex)
        {
            AgentLog.Error("the agent could not start; the application runs without it", ex);
            if (FailFast)
            {
                throw;
            }
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Start(AgentSettings settings, AgentContext context, Stopwatch sw, double hookMilliseconds)
    {
        // ASP.NET Core apps take a few hundred milliseconds before they can serve: build the
        // providers in parallel with that (a request that comes earlier waits for them).
        var background = !settings.FailFast && context.AppHas("Microsoft.AspNetCore.Hosting");

        // Loading the SDK belongs to the background build; at debug level, say whether this
        // thread (the app's, before Main) pulled it in.
        using var sdkLoad = AgentLog.IsDebug ? new AssemblyLoadWatch("OpenTelemetry") : null;
        AgentRuntime.Start(settings, context, ProcessEnvironment.Instance, background, runtime => Started(settings, context, runtime, background, sw, hookMilliseconds));
        if (sdkLoad is not null)
        {
            AgentLog.Debug($"returned to the application after {hookMilliseconds + sw.Elapsed.TotalMilliseconds:F1} ms (hook {hookMilliseconds:F1} ms, settings and pipeline set-up {sw.Elapsed.TotalMilliseconds:F1} ms); OpenTelemetry {(sdkLoad.LoadedHere ? "already loaded" : "not loaded yet")}");
        }
    }

    private static void Started(AgentSettings settings, AgentContext context, AgentRuntime runtime, bool background, Stopwatch sw, double hookMilliseconds)
    {
        AgentLog.Info(
            $"cwapm agent {AgentContext.AgentVersion} started in {hookMilliseconds + sw.Elapsed.TotalMilliseconds:F0} ms" + (background ? " (providers built in the background)" : string.Empty) + "; " +
            $"runtime: .NET {Environment.Version} ({System.Runtime.InteropServices.RuntimeInformation.RuntimeIdentifier}); " +
            $"loading path: {context.LoadingPath}; home: {context.Home}; " +
            $"service.name: {settings.ServiceName} (from {settings.ServiceNameSource}); " +
            $"traces endpoint: {settings.Traces}; metrics endpoint: {settings.Metrics.Protocol} {settings.Metrics.Endpoint}; logs endpoint: {settings.Logs.Protocol} {settings.Logs.Endpoint}; " +
            $"sampler: {Sampling.Describe(settings)}; enabled: {string.Join("; ", runtime.Enabled)}; " +
            $"problems: {settings.Problems.Count}");
        if (AgentLog.IsDebug)
        {
            // JIT is most of what an app's start-up costs beyond its own code: the runtime's own
            // count (all threads, the app's methods included) says how much the process paid by now.
            AgentLog.Debug($"providers ready {(DateTime.Now - Process.GetCurrentProcess().StartTime).TotalMilliseconds:F0} ms after the process started; the runtime had JIT-compiled {System.Runtime.JitInfo.GetCompiledMethodCount()} methods in {System.Runtime.JitInfo.GetCompilationTime().TotalMilliseconds:F0} ms by then");
        }
    }

    /// <summary>Kept alive for the life of the process; tests read its counters.</summary>
    internal static SdkEventListener? Listener { get; private set; }

    /// <summary>
    /// Starts forwarding the SDK's EventSources into the agent log. Called where the providers
    /// are built (off the app's start-up path for ASP.NET Core apps), before the SDK is loaded:
    /// its EventSources do not exist before that, and creating an EventListener costs a few
    /// milliseconds.
    /// </summary>
    internal static void StartListener()
    {
        if (Listener is null)
        {
            Listener = new SdkEventListener(AgentLog.IsDebug);
        }
    }

    private static string OwnSdkVersion()
    {
        try
        {
            if (AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES") is string tpa)
            {
                foreach (var path in tpa.Split(Path.PathSeparator))
                {
                    if (Path.GetFileName(path) == "OpenTelemetry.dll")
                    {
                        return "OpenTelemetry " + AssemblyName.GetAssemblyName(path).Version;
                    }
                }
            }
        }
        catch (Exception ex)
        {
            AgentLog.Debug("could not read the app's OpenTelemetry version: " + ex.Message);
        }

        return "OpenTelemetry";
    }

    private static string? SafeEntryName()
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
