// ILogger export without code changes. Hosts (HostBuilder, HostApplicationBuilder and so
// WebApplicationBuilder) announce themselves on the "Microsoft.Extensions.Hosting"
// DiagnosticListener while building, before the service provider exists; that is the moment
// to add the agent's logger provider to the app's own logging (a stand-in for OpenTelemetry's,
// built later off the app's start-up path, for an ASP.NET Core app after its first request; see
// DeferredLoggerProvider).
using System.Diagnostics;
using CloudWatchApm.Agent.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Logs;

namespace CloudWatchApm.Agent.Pipeline;

internal static class LoggingHook
{
    private static readonly List<WeakReference<DeferredLoggerProvider>> Providers = [];
    private static AgentRuntime? _runtime;
    private static IDisposable? _subscription;

    internal static bool Install(AgentRuntime runtime)
    {
        _runtime = runtime;
        _subscription = DiagnosticListener.AllListeners.Subscribe(new ListenerObserver());
        runtime.AddEnabled("logs=ILogger (hosted apps)");
        return true;
    }

    internal static void Flush(int timeoutMilliseconds) => ForEachProvider(p => p.ForceFlush(timeoutMilliseconds));

    internal static void Shutdown(int timeoutMilliseconds)
    {
        _subscription?.Dispose();
        ForEachProvider(p => p.ForceFlush(timeoutMilliseconds));
    }

    private static void ForEachProvider(Action<DeferredLoggerProvider> action)
    {
        lock (Providers)
        {
            foreach (var weak in Providers)
            {
                try
                {
                    if (weak.TryGetTarget(out var provider))
                    {
                        action(provider);
                    }
                }
                catch (ObjectDisposedException)
                {
                    // The host already disposed (and so flushed) its providers.
                }
                catch (Exception ex)
                {
                    AgentLog.Debug("log flush skipped: " + ex.Message);
                }
            }
        }
    }

    private static void OnHostBuilding(object? payload)
    {
        var runtime = _runtime;
        if (runtime is null)
        {
            return;
        }

        switch (payload)
        {
            case IHostApplicationBuilder appBuilder:
                AddTo(appBuilder.Services, runtime);
                break;
            case IHostBuilder hostBuilder:
                hostBuilder.ConfigureServices((_, services) => AddTo(services, runtime));
                break;
            default:
                AgentLog.Debug("HostBuilding with an unknown builder type " + payload?.GetType().FullName + "; logs not added");
                break;
        }
    }

    private static void AddTo(IServiceCollection services, AgentRuntime runtime)
    {
        // If the app adds OpenTelemetry logging itself, exporting again would duplicate every record.
        if (services.Any(d => d.ImplementationType == typeof(OpenTelemetryLoggerProvider) || d.ServiceType.FullName == "OpenTelemetry.Logs.LoggerProvider"))
        {
            AgentLog.Info("the application adds OpenTelemetry logging itself; the agent does not add a second log exporter");
            return;
        }

        services.AddLogging();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ILoggerProvider, DeferredLoggerProvider>(_ => Create(runtime)));
        AgentLog.Debug("added OpenTelemetry logging to the application's host");
    }

    private static DeferredLoggerProvider Create(AgentRuntime runtime)
    {
        var provider = new DeferredLoggerProvider(runtime.LogsReady, runtime.ConfigureLogging, runtime.Settings.Blrp.MaxQueueSize, () => runtime.StartLogsNow("as the application stops"));
        lock (Providers)
        {
            Providers.RemoveAll(weak => !weak.TryGetTarget(out _));
            Providers.Add(new WeakReference<DeferredLoggerProvider>(provider));
        }

        return provider;
    }

    private sealed class ListenerObserver : IObserver<DiagnosticListener>
    {
        public void OnNext(DiagnosticListener value)
        {
            if (value.Name == "Microsoft.Extensions.Hosting")
            {
                value.Subscribe(new HostingObserver());
            }
        }

        public void OnError(Exception error)
        {
        }

        public void OnCompleted()
        {
        }
    }

    private sealed class HostingObserver : IObserver<KeyValuePair<string, object?>>
    {
        public void OnNext(KeyValuePair<string, object?> value)
        {
            try
            {
                if (value.Key == "HostBuilding")
                {
                    OnHostBuilding(value.Value);
                }
            }
            catch (Exception ex)
            {
                AgentLog.Error("could not add logging to the application's host; logs are not exported", ex);
            }
        }

        public void OnError(Exception error)
        {
        }

        public void OnCompleted()
        {
        }
    }
}
