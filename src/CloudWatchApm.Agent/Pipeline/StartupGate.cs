// Watches hosts being built. It notes that the app is hosted (the host then handles SIGTERM),
// and, when the providers are built in the background, makes the first requests traced:
// a host announces "HostBuilt" on the Microsoft.Extensions.Hosting DiagnosticListener after
// its services exist and before it starts listening, so that is where the app waits for the
// agent (bounded), by then usually already done in parallel with the app's own start-up.
using System.Diagnostics;
using CloudWatchApm.Agent.Diagnostics;

namespace CloudWatchApm.Agent.Pipeline;

internal static class StartupGate
{
    internal const int MaxWaitMilliseconds = 3000;

    private static volatile bool _hostSeen;

    /// <summary>True once a generic host was built in this process (it then handles SIGTERM itself).</summary>
    internal static bool HostSeen => _hostSeen;

    internal static bool Install(AgentRuntime runtime)
    {
        DiagnosticListener.AllListeners.Subscribe(new ListenerObserver(runtime));
        return true;
    }

    private sealed class ListenerObserver(AgentRuntime runtime) : IObserver<DiagnosticListener>
    {
        public void OnNext(DiagnosticListener value)
        {
            if (value.Name == "Microsoft.Extensions.Hosting")
            {
                value.Subscribe(new HostingObserver(runtime));
            }
        }

        public void OnError(Exception error)
        {
        }

        public void OnCompleted()
        {
        }
    }

    private sealed class HostingObserver(AgentRuntime runtime) : IObserver<KeyValuePair<string, object?>>
    {
        public void OnNext(KeyValuePair<string, object?> value)
        {
            if (value.Key != "HostBuilt")
            {
                return;
            }

            _hostSeen = true;
            if (runtime.Ready.IsCompleted)
            {
                return;
            }

            var sw = Stopwatch.StartNew();
            var ready = runtime.WaitUntilReady(MaxWaitMilliseconds);
            AgentLog.Debug($"host built; waited {sw.Elapsed.TotalMilliseconds:F0} ms for the agent's providers" + (ready ? string.Empty : " (gave up; the first requests may not be traced)"));
        }

        public void OnError(Exception error)
        {
        }

        public void OnCompleted()
        {
        }
    }
}
