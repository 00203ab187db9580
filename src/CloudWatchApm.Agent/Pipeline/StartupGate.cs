// Watches hosts being built. It notes that the app is hosted (the host then handles SIGTERM),
// and, when the providers are built in the background, makes the first requests traced
// without holding the app's start-up:
// - a web host starts listening at once; the first request that arrives before the providers
//   exist waits for them (bounded) where ASP.NET Core asks its "Microsoft.AspNetCore"
//   DiagnosticListener whether to create the request's activity, which it does before it looks
//   for ActivitySource listeners, so the span is then created and sampled by the agent's
//   provider. Usually the providers are ready long before a client connects, and nobody waits.
// - any other host (a worker whose background services may call out at once) waits when it
//   announces "HostBuilt", after its services exist and before it starts them.
// It also tells the deferred starts of the metrics and of the log exporter (DeferredStart) when
// a web host's first request has ended.
using System.Diagnostics;
using CloudWatchApm.Agent.Diagnostics;
using Microsoft.Extensions.Hosting;

namespace CloudWatchApm.Agent.Pipeline;

internal static class StartupGate
{
    internal const int MaxWaitMilliseconds = 3000;

    /// <summary>The activity ASP.NET Core creates for each request, asked about on its DiagnosticListener first.</summary>
    internal const string RequestActivityName = "Microsoft.AspNetCore.Hosting.HttpRequestIn";

    private const string WebListenerName = "Microsoft.AspNetCore";

    private static volatile bool _hostSeen;

    /// <summary>True once a generic host was built in this process (it then handles SIGTERM itself).</summary>
    internal static bool HostSeen => _hostSeen;

    /// <summary>What ASP.NET Core writes on its listener when a request has ended, without and with an exception.</summary>
    internal static readonly string[] RequestEndEvents = ["Microsoft.AspNetCore.Hosting.EndRequest", "Microsoft.AspNetCore.Hosting.UnhandledException"];

    internal static bool Install(AgentRuntime runtime)
    {
        var gate = new Gate(runtime.Ready, MaxWaitMilliseconds);
        DiagnosticListener.AllListeners.Subscribe(new ListenerObserver(gate, runtime.DeferredMetrics, runtime.DeferredLogs));
        return true;
    }

    /// <summary>
    /// Starts the deferred work when the first request on a web host's listener has ended. Only
    /// the two end events are enabled, and only until then: ASP.NET Core writes them after it
    /// has recorded the request's metrics and before it stops the request's activity.
    /// </summary>
    internal static void WatchFirstRequest(DiagnosticListener listener, DeferredStart deferred)
    {
        if (deferred.IsWaiting)
        {
            deferred.DisposeOnStart(listener.Subscribe(new FirstRequestWatch(deferred), static (name, _, _) => Array.IndexOf(RequestEndEvents, name) >= 0));
        }
    }

    /// <summary>
    /// Holds a thread until the providers are built, at most the given time: once a wait has
    /// given up (the providers are stuck), nobody waits again.
    /// </summary>
    internal sealed class Gate(Task ready, int maxWaitMilliseconds)
    {
        private volatile bool _gaveUp;
        private int _reported;

        internal bool IsOpen => _gaveUp || ready.IsCompleted;

        internal Task Ready => ready;

        internal void Wait(string who)
        {
            if (IsOpen)
            {
                return;
            }

            var started = Stopwatch.GetTimestamp();
            var done = AgentRuntime.WaitFor(ready, maxWaitMilliseconds);
            _gaveUp |= !done;
            if (Interlocked.Exchange(ref _reported, 1) == 0 || !done)
            {
                AgentLog.Debug($"{who} waited {Stopwatch.GetElapsedTime(started).TotalMilliseconds:F0} ms for the agent's providers" + (done ? string.Empty : " (gave up; the first requests may not be traced)"));
            }
        }
    }

    /// <summary>
    /// Subscribed to a web host's "Microsoft.AspNetCore" listener while the providers are being
    /// built; never enables an event itself, and unsubscribes once the providers are ready.
    /// </summary>
    internal sealed class RequestGate : IObserver<KeyValuePair<string, object?>>
    {
        private readonly Gate _gate;
        private readonly IDisposable _subscription;

        internal RequestGate(DiagnosticListener listener, Gate gate)
        {
            _gate = gate;
            _subscription = listener.Subscribe(this, IsEnabled);
            gate.Ready.ContinueWith(static (_, state) => ((RequestGate)state!)._subscription.Dispose(), this, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }

        public void OnNext(KeyValuePair<string, object?> value)
        {
        }

        public void OnError(Exception error)
        {
        }

        public void OnCompleted()
        {
        }

        private bool IsEnabled(string name, object? request, object? unused)
        {
            if (request is not null && string.Equals(name, RequestActivityName, StringComparison.Ordinal))
            {
                _gate.Wait("the first request");
            }

            return false;
        }
    }

    private sealed class FirstRequestWatch(DeferredStart deferred) : IObserver<KeyValuePair<string, object?>>
    {
        public void OnNext(KeyValuePair<string, object?> value)
        {
            // Every event written on the listener comes here, whoever enabled it.
            if (Array.IndexOf(RequestEndEvents, value.Key) >= 0)
            {
                deferred.Start("after the first request");
            }
        }

        public void OnError(Exception error)
        {
        }

        public void OnCompleted()
        {
        }
    }

    private sealed class ListenerObserver(Gate gate, DeferredStart? deferredMetrics, DeferredStart? deferredLogs) : IObserver<DiagnosticListener>
    {
        public void OnNext(DiagnosticListener value)
        {
            try
            {
                if (value.Name == "Microsoft.Extensions.Hosting")
                {
                    value.Subscribe(new HostingObserver(gate));
                }
                else if (value.Name == WebListenerName)
                {
                    if (!gate.IsOpen)
                    {
                        _ = new RequestGate(value, gate);
                    }

                    if (deferredMetrics is not null)
                    {
                        WatchFirstRequest(value, deferredMetrics);
                    }

                    if (deferredLogs is not null)
                    {
                        WatchFirstRequest(value, deferredLogs);
                    }
                }
            }
            catch (Exception ex)
            {
                AgentLog.Error("could not watch the application's host", ex);
            }
        }

        public void OnError(Exception error)
        {
        }

        public void OnCompleted()
        {
        }
    }

    private sealed class HostingObserver(Gate gate) : IObserver<KeyValuePair<string, object?>>
    {
        public void OnNext(KeyValuePair<string, object?> value)
        {
            if (value.Key != "HostBuilt")
            {
                return;
            }

            _hostSeen = true;
            if (gate.IsOpen || IsWebHost(value.Value))
            {
                return;
            }

            gate.Wait("the host");
        }

        public void OnError(Exception error)
        {
        }

        public void OnCompleted()
        {
        }

        /// <summary>
        /// True for a web host. Resolving its listener creates it (as starting the host would a
        /// moment later), and creating it puts the request gate on it.
        /// </summary>
        private static bool IsWebHost(object? payload)
        {
            try
            {
                return payload is IHost host && host.Services.GetService(typeof(DiagnosticListener)) is DiagnosticListener { Name: WebListenerName };
            }
            catch (Exception ex)
            {
                AgentLog.Debug("could not tell whether the host serves requests: " + ex.Message);
                return false;
            }
        }
    }
}
