// Owns the providers the agent built and shuts them down within a bounded time when the
// process exits (normal exit, SIGTERM through ProcessExit, Ctrl+C through a signal handler
// that flushes and then lets the default action proceed).
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Loader;
using CloudWatchApm.Agent.Configuration;
using CloudWatchApm.Agent.Diagnostics;
using CloudWatchApm.Agent.Instrumentation;
using CloudWatchApm.Agent.Pipeline.Propagators;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Context.Propagation;
using OpenTelemetry.Exporter;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace CloudWatchApm.Agent.Pipeline;

internal sealed class AgentRuntime
{
    private readonly AgentSettings _settings;
    private readonly AgentContext _context;
    private readonly List<string> _enabled = [];
    private TracerProvider? _tracerProvider;
    private volatile MeterProvider? _meterProvider;
    private DeferredStart? _deferredMetrics;
    private DeferredStart? _deferredLogs;
    private readonly TaskCompletionSource _logsStart = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private string _metricsDescription = string.Empty;
    private PosixSignalRegistration? _sigint;
    private PosixSignalRegistration? _sigterm;
    private int _shutdown;
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private List<TextMapPropagator>? _propagators;
    private DeferredRuntimePropagator? _deferredPropagator;

    private AgentRuntime(AgentSettings settings, AgentContext context)
    {
        _settings = settings;
        _context = context;
    }

    internal static AgentRuntime? Current { get; private set; }

    internal IReadOnlyList<string> Enabled => _enabled;

    internal AgentSettings Settings => _settings;

    internal TracerProvider? TracerProvider => _tracerProvider;

    internal MeterProvider? MeterProvider => _meterProvider;

    /// <summary>The metrics start of an ASP.NET Core app, until its first request has ended; null when metrics start with the providers.</summary>
    internal DeferredStart? DeferredMetrics => _deferredMetrics;

    /// <summary>The log exporter's start in an ASP.NET Core app, until its first request has ended; null when it starts with the providers.</summary>
    internal DeferredStart? DeferredLogs => _deferredLogs;

    /// <summary>Completes when the app's log exporter is to be built (see DeferredLoggerProvider).</summary>
    internal Task LogsReady => _deferredLogs is null ? _ready.Task : _logsStart.Task;

    /// <summary>Starts a log exporter that is still waiting for the first request now (the app is stopping or flushing).</summary>
    internal void StartLogsNow(string why) => _deferredLogs?.Start(why);

    internal ResourceBuilder? Resource { get; private set; }

    internal IConfiguration SdkConfiguration { get; private set; } = null!;

    /// <summary>
    /// Starts the agent. What must exist before the app's Main (propagators, the hosting hooks,
    /// exit handlers) is done here; building the providers (most of the agent's start-up cost:
    /// loading and preparing the SDK and exporters) runs on a background thread for ASP.NET Core
    /// apps, in parallel with the app's own start-up; a request that arrives before it is done
    /// waits for it (see StartupGate). Other apps build synchronously, since their first work
    /// (an HttpClient call in Main) may start at once.
    /// </summary>
    internal static AgentRuntime Start(AgentSettings settings, AgentContext context, IEnvironment environment, bool background, Action<AgentRuntime> onReady)
    {
        var runtime = new AgentRuntime(settings, context);
        Current = runtime;

        // ASP.NET Core captures the runtime's propagator when its host builder is created: a
        // stand-in is current from now on, and the configured propagators go behind it with the
        // providers, so OpenTelemetry is not loaded here, before an ASP.NET Core app's Main.
        Guard("runtime propagator", () =>
        {
            runtime._deferredPropagator = DeferredRuntimePropagator.Install();
            return true;
        });

        if (settings.LogsEnabled && !IsOnlyNone(settings.LogsExporters) && settings.IsInstrumentationEnabled("LOGS", InstrumentationCatalog.ILogger))
        {
            // Like the metrics, an ASP.NET Core app's log exporter is built once the app has
            // answered its first request; the records written before are kept until then.
            if (background)
            {
                runtime._deferredLogs = new DeferredStart("logs", runtime.StartLogs);
            }

            Guard("logs", () => LoggingHook.Install(runtime));
        }
        else
        {
            runtime._enabled.Add("logs=off");
        }

        // On exit the runtime raises AssemblyLoadContext.Unloading, then disposes every
        // EventListener, then raises ProcessExit. Shut down on Unloading, while the listener
        // that carries the SDK's own diagnostics into the agent log (dropped spans are only
        // reported at shutdown) is still alive; ProcessExit stays as a fallback.
        AssemblyLoadContext.Default.Unloading += _ => runtime.Shutdown("process exit");
        AppDomain.CurrentDomain.ProcessExit += (_, _) => runtime.Shutdown("process exit");
        runtime._sigint = Guard("SIGINT handler", () => PosixSignalRegistration.Create(PosixSignal.SIGINT, _ => runtime.Flush("SIGINT")));

        // A hosted app turns SIGTERM into a graceful stop and ProcessExit follows. A plain console
        // app is simply terminated (no ProcessExit on .NET 10), so flush and stop the providers
        // here; the default action then proceeds.
        runtime._sigterm = Guard("SIGTERM handler", () => PosixSignalRegistration.Create(PosixSignal.SIGTERM, _ =>
        {
            if (!StartupGate.HostSeen)
            {
                runtime.Shutdown("SIGTERM");
            }
        }));
        // An ASP.NET Core app's metrics can wait until it has answered its first request (see
        // DeferredStart); building them earlier delays that answer.
        if (background && settings.MetricsStart == "after_first_request" && settings.MetricsEnabled && !IsOnlyNone(settings.MetricsExporters))
        {
            runtime._deferredMetrics = new DeferredStart("metrics", runtime.StartMetrics);
        }

        Guard("hosting hook", () => StartupGate.Install(runtime));

        if (background)
        {
            var thread = new Thread(() =>
            {
                // Anything escaping here (even a type that fails to load while the method is
                // compiled) would kill the process: catch it all and let the app run untraced.
                try
                {
                    runtime.BuildProviders(environment, onReady);
                }
                catch (Exception ex)
                {
                    runtime._ready.TrySetResult();
                    AgentLog.Error("the agent's background start failed; the application runs without it", ex);
                }
            })
            { IsBackground = true, Name = "cwapm-init" };
            thread.Start();
        }
        else
        {
            runtime.BuildProviders(environment, onReady);
        }

        return runtime;
    }

    /// <summary>Completes when the providers are built (or failed to build).</summary>
    internal Task Ready => _ready.Task;

    /// <summary>Waits for the providers, at most <paramref name="milliseconds"/>; true when ready.</summary>
    internal bool WaitUntilReady(int milliseconds) => WaitFor(_ready.Task, milliseconds);

    /// <summary>
    /// Waits at most the given time for the providers' task; true when it has ended, however it
    /// ended (a faulted build leaves the app without the agent, never waiting on it).
    /// </summary>
    internal static bool WaitFor(Task ready, int milliseconds)
    {
        try
        {
            return ready.Wait(milliseconds);
        }
        catch (AggregateException)
        {
            return true;
        }
    }

    private void BuildProviders(IEnvironment environment, Action<AgentRuntime> onReady)
    {
        var s = _settings;
        try
        {
            Bootstrap.StartListener();
            Guard("propagators", InstallPropagators);

            if (_propagators is { } propagators)
            {
                Guard("SDK propagators", () =>
                {
                    Propagation.InstallForSdk(propagators);
                    return true;
                });
            }

            SdkConfiguration = OtlpSetup.BuildSdkConfiguration(s, environment);
            Resource = Guard("resource", () => ResourceFactory.Create(s)) ?? ResourceBuilder.CreateEmpty().AddService(s.ServiceName);
            if (s.TracesEnabled && !IsOnlyNone(s.TracesExporters))
            {
                _tracerProvider = Guard("traces", BuildTracing);
            }
            else
            {
                _enabled.Add("traces=off");
            }

            // A request that arrives before this is done is traced once it is; ASP.NET Core and
            // Kestrel decide per request and per connection, when they begin, whether to record
            // metrics, so such a request is simply not measured and no up-down counter drifts.
            if (s.MetricsEnabled && !IsOnlyNone(s.MetricsExporters))
            {
                if (_deferredMetrics is { } deferred)
                {
                    _enabled.Add("metrics=" + string.Join(",", s.MetricsExporters) + " (started after the first request)");
                    deferred.StartWithin(DeferredStart.FallbackMilliseconds);
                }
                else
                {
                    _meterProvider = Guard("metrics", BuildMetrics);
                    if (_meterProvider is not null)
                    {
                        _enabled.Add(_metricsDescription);
                    }
                }
            }
            else
            {
                _enabled.Add("metrics=off");
            }
        }
        catch (Exception ex)
        {
            AgentLog.Error("the agent could not build its providers; the application runs without them", ex);
            if (Bootstrap.FailFast)
            {
                throw;
            }
        }
        finally
        {
            _ready.TrySetResult();
            _deferredLogs?.StartWithin(DeferredStart.FallbackMilliseconds);
            try
            {
                onReady(this);
            }
            catch (Exception ex)
            {
                AgentLog.Error("startup summary failed", ex);
            }
        }
    }

    /// <summary>OTEL_PROPAGATORS, for the runtime's HTTP propagation (the SDK's follows with the providers).</summary>
    private bool InstallPropagators()
    {
        var settings = _settings;
        if (AwsHooks.XRayPropagation(settings) || settings.Sampler == "xray")
        {
            AwsHooks.Install(settings);
        }

        var propagators = Propagation.Create(settings.Propagators, out var used);
        Propagation.InstallForRuntime(propagators, _deferredPropagator);
        _propagators = propagators;
        _enabled.Add("propagators=" + (used.Count == 0 ? "none" : string.Join(",", used)));
        return true;
    }

    internal static bool IsOnlyNone(List<string> exporters) => exporters.Count == 1 && exporters[0] == "none";

    private TracerProvider BuildTracing()
    {
        var s = _settings;
        var builder = Sdk.CreateTracerProviderBuilder()
            .ConfigureServices(services => services.AddSingleton(SdkConfiguration))
            .SetResourceBuilder(Resource!)
            .SetSampler(Sampling.Create(s, AwsHooks.XRaySamplerFactory(s, Resource!)));
        var ids = InstrumentationRegistry.AddTracing(builder, s, _context);
        AwsHooks.AddTracing(builder, s, Resource!, _context);

        foreach (var exporter in s.TracesExporters)
        {
            switch (exporter)
            {
                case "otlp":
                    builder.AddOtlpExporter(o =>
                    {
                        OtlpSetup.Apply(o, s.Traces);
                        AwsHooks.ConfigureOtlp(o, s.Traces);
                        o.ExportProcessorType = ExportProcessorType.Batch;
                        o.BatchExportProcessorOptions = new BatchExportActivityProcessorOptions
                        {
                            MaxQueueSize = s.Bsp.MaxQueueSize,
                            MaxExportBatchSize = s.Bsp.MaxExportBatchSize,
                            ScheduledDelayMilliseconds = s.Bsp.ScheduleDelayMilliseconds,
                            ExporterTimeoutMilliseconds = s.Bsp.ExportTimeoutMilliseconds,
                        };
                    });
                    break;
                case "console":
                    builder.AddConsoleExporter();
                    break;
            }
        }

        _enabled.Add("traces=" + string.Join(",", s.TracesExporters) + " [" + string.Join(",", ids) + (s.AdditionalTraceSources.Count > 0 ? ", sources: " + string.Join(",", s.AdditionalTraceSources) : string.Empty) + "]");
        return builder.Build()!;
    }

    private MeterProvider BuildMetrics()
    {
        var s = _settings;
        var builder = Sdk.CreateMeterProviderBuilder()
            .ConfigureServices(services => services.AddSingleton(SdkConfiguration))
            .SetResourceBuilder(Resource!)
            .SetExemplarFilter(s.ExemplarFilter switch
            {
                "always_on" => ExemplarFilterType.AlwaysOn,
                "always_off" => ExemplarFilterType.AlwaysOff,
                _ => ExemplarFilterType.TraceBased,
            });
        var ids = InstrumentationRegistry.AddMetrics(builder, s, _context);

        var exponential = s.HistogramAggregation == "base2_exponential_bucket_histogram";
        builder.AddView(instrument => MetricStreams.Configure(instrument, exponential));

        foreach (var exporter in s.MetricsExporters)
        {
            switch (exporter)
            {
                case "otlp":
                    builder.AddOtlpExporter((o, reader) =>
                    {
                        OtlpSetup.Apply(o, s.Metrics);
                        AwsHooks.ConfigureOtlp(o, s.Metrics);
                        reader.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds = s.MetricExportIntervalMilliseconds;
                        reader.PeriodicExportingMetricReaderOptions.ExportTimeoutMilliseconds = s.MetricExportTimeoutMilliseconds;
                        reader.TemporalityPreference = s.MetricsTemporality switch
                        {
                            "delta" => MetricReaderTemporalityPreference.Delta,
                            "lowmemory" => MetricReaderTemporalityPreference.LowMemory,
                            _ => MetricReaderTemporalityPreference.Cumulative,
                        };
                    });
                    break;
                case "console":
                    AddConsoleMetrics(builder, s.MetricExportIntervalMilliseconds);
                    break;
            }
        }

        _metricsDescription = "metrics=" + string.Join(",", s.MetricsExporters) + " [" + string.Join(",", ids) + "]";
        return builder.Build()!;
    }

    /// <summary>Builds the deferred metrics pipeline, on DeferredStart's thread.</summary>
    private void StartMetrics(string why)
    {
        // Everything the metrics need (resource, SDK configuration) is there once the providers are.
        WaitFor(_ready.Task, Timeout.Infinite);
        if (Volatile.Read(ref _shutdown) == 1)
        {
            return;
        }

        var started = Stopwatch.GetTimestamp();
        _meterProvider = Guard("metrics", BuildMetrics);
        if (_meterProvider is not null)
        {
            AgentLog.Info($"metrics started {why}, built in {Stopwatch.GetElapsedTime(started).TotalMilliseconds:F0} ms: {_metricsDescription}");
        }
    }

    /// <summary>Lets the app's DeferredLoggerProviders build their exporters, on DeferredStart's thread.</summary>
    private void StartLogs(string why)
    {
        // The log exporter needs the resource, which exists once the providers are ready. Unlike
        // the metrics it also starts at shutdown: the records kept until now are exported then.
        WaitFor(_ready.Task, Timeout.Infinite);
        AgentLog.Debug("log export starting " + why);
        _logsStart.TrySetResult();
    }

    // Its own method: a delegate over the console exporter's options in BuildMetrics made the
    // runtime load OpenTelemetry.Exporter.Console on every start, console exporter or not.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void AddConsoleMetrics(MeterProviderBuilder builder, int intervalMilliseconds) =>
        builder.AddConsoleExporter((_, reader) => reader.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds = intervalMilliseconds);

    /// <summary>
    /// The options of the OpenTelemetry logger provider behind an app's DeferredLoggerProvider,
    /// which builds it once the providers are ready (so the resource exists).
    /// </summary>
    internal void ConfigureLogging(OpenTelemetryLoggerOptions options)
    {
        var s = _settings;
        options.SetResourceBuilder(Resource ?? ResourceBuilder.CreateEmpty().AddService(s.ServiceName));
        options.IncludeFormattedMessage = true;
        options.IncludeScopes = true;
        foreach (var exporter in s.LogsExporters)
        {
            switch (exporter)
            {
                case "otlp":
                    // The SDK ignores BatchExportProcessorOptions for logs and reads OTEL_BLRP_* from
                    // the raw environment instead (an oversized queue aborted the app): build the
                    // processor from the validated settings.
                    var exporterOptions = new OtlpExporterOptions();
                    OtlpSetup.Apply(exporterOptions, s.Logs);
                    AwsHooks.ConfigureOtlp(exporterOptions, s.Logs);
                    options.AddProcessor(new BatchLogRecordExportProcessor(
                        new OtlpLogExporter(exporterOptions),
                        s.Blrp.MaxQueueSize,
                        s.Blrp.ScheduleDelayMilliseconds,
                        s.Blrp.ExportTimeoutMilliseconds,
                        s.Blrp.MaxExportBatchSize));
                    break;
                case "console":
                    options.AddConsoleExporter();
                    break;
            }
        }
    }

    internal void AddEnabled(string what) => _enabled.Add(what);

    internal void Flush(string reason)
    {
        try
        {
            if (!_ready.Task.IsCompleted)
            {
                return;
            }

            var timeout = Math.Min(_settings.ShutdownTimeoutMilliseconds, 5000);
            _tracerProvider?.ForceFlush(timeout);
            _meterProvider?.ForceFlush(timeout);
            StartLogsNow("on " + reason);
            LoggingHook.Flush(timeout);
            AgentLog.Debug("flushed telemetry on " + reason);
        }
        catch (Exception ex)
        {
            AgentLog.Error("flush on " + reason + " failed", ex);
        }
    }

    /// <summary>Flushes and stops every provider, at most the shutdown timeout in total.</summary>
    internal void Shutdown(string reason)
    {
        if (Interlocked.Exchange(ref _shutdown, 1) == 1)
        {
            return;
        }

        var sw = Stopwatch.StartNew();
        var budget = _settings.ShutdownTimeoutMilliseconds;
        int Remaining() => Math.Max(0, budget - (int)sw.ElapsedMilliseconds);
        try
        {
            _sigint?.Dispose();
            WaitUntilReady(Remaining());
            _tracerProvider?.Shutdown(Remaining());
            StartLogsNow("at shutdown");
            LoggingHook.Shutdown(Remaining());
            _deferredMetrics?.CancelOrWait(Remaining());
            _meterProvider?.Shutdown(Remaining());
            AgentLog.Info($"shut down on {reason} in {sw.ElapsedMilliseconds} ms" + (Bootstrap.Listener?.DescribeLosses() ?? string.Empty) + (_sigterm is null ? " (no SIGTERM handler)" : string.Empty));
        }
        catch (Exception ex)
        {
            AgentLog.Error("shutdown on " + reason + " failed", ex);
        }
    }

    private static T? Guard<T>(string stage, Func<T> action)
        where T : class
    {
        var started = Stopwatch.GetTimestamp();
        var jitMethods = AgentLog.IsDebug ? System.Runtime.JitInfo.GetCompiledMethodCount(currentThread: true) : 0;
        var jitTime = AgentLog.IsDebug ? System.Runtime.JitInfo.GetCompilationTime(currentThread: true) : TimeSpan.Zero;
        try
        {
            return action();
        }
        catch (Exception ex)
        {
            AgentLog.Error("agent stage '" + stage + "' failed and was skipped", ex);
            if (Bootstrap.FailFast)
            {
                throw;
            }

            return null;
        }
        finally
        {
            if (AgentLog.IsDebug)
            {
                AgentLog.Debug($"stage '{stage}' took {Stopwatch.GetElapsedTime(started).TotalMilliseconds:F1} ms, of which JIT {(System.Runtime.JitInfo.GetCompilationTime(currentThread: true) - jitTime).TotalMilliseconds:F1} ms ({System.Runtime.JitInfo.GetCompiledMethodCount(currentThread: true) - jitMethods} methods)");
            }
        }
    }

    private static void Guard(string stage, Func<bool> action) => Guard<object>(stage, () => action());
}
