// Start-up work that can wait until an ASP.NET Core app has answered its first request: the
// metrics pipeline, and the log exporter. On a small machine every millisecond of CPU the agent
// spends while the app starts delays the app's first response, wherever that CPU is spent
// (measured on 2 vCPUs: building the MeterProvider in the background added 27 ms to the first
// response of a hello world, the log exporter 7-13 ms). Traces cannot wait (the first request must
// be traced); metrics can: the runtime and process instruments are observed at export time, so
// starting later loses none of them. What is lost is what requests and the app record before the
// MeterProvider exists: ASP.NET Core, Kestrel and HttpClient decide per request or connection,
// when it begins, whether to measure it, so those requests are simply not in the request
// metrics, and no up-down counter drifts. Logs lose nothing: the records written before are
// kept, bounded (see DeferredLoggerProvider).
//
// The work starts on its own thread once the first request has ended (ASP.NET Core's
// "Microsoft.AspNetCore.Hosting.EndRequest" diagnostic event, watched by StartupGate only until
// then), or a fixed time after the traces are ready when no request comes. The metrics never
// start once the process is shutting down; the log exporter then starts, to export what it kept.
using CloudWatchApm.Agent.Diagnostics;

namespace CloudWatchApm.Agent.Pipeline;

internal sealed class DeferredStart(string what, Action<string> run)
{
    /// <summary>How long after the providers are ready the work starts when no request has ended.</summary>
    internal const int FallbackMilliseconds = 2000;

    private const int Waiting = 0;
    private const int Started = 1;
    private const int Cancelled = 2;

    private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<IDisposable> _watches = [];
    private Timer? _fallback;
    private int _state;

    internal bool IsWaiting => Volatile.Read(ref _state) == Waiting;

    /// <summary>Completes when the work has run (or failed), or at once when it was cancelled before it started.</summary>
    internal Task Done => _done.Task;

    /// <summary>Starts the work after <paramref name="milliseconds"/> unless something starts it earlier.</summary>
    internal void StartWithin(int milliseconds)
    {
        var why = $"no request had ended {milliseconds} ms after the providers were ready";
        lock (_watches)
        {
            if (IsWaiting)
            {
                _fallback = new Timer(state => ((DeferredStart)state!).Start(why), this, milliseconds, Timeout.Infinite);
            }
        }
    }

    /// <summary>Disposed when the work starts or is cancelled (at once if that already happened).</summary>
    internal void DisposeOnStart(IDisposable watch)
    {
        lock (_watches)
        {
            if (IsWaiting)
            {
                _watches.Add(watch);
                return;
            }
        }

        watch.Dispose();
    }

    /// <summary>Runs the work on its own thread, once; <paramref name="why"/> goes into the log line.</summary>
    internal void Start(string why)
    {
        if (Interlocked.CompareExchange(ref _state, Started, Waiting) != Waiting)
        {
            return;
        }

        StopWatching();
        var thread = new Thread(() =>
        {
            try
            {
                run(why);
            }
            catch (Exception ex)
            {
                AgentLog.Error("the agent's " + what + " could not start; the application runs without them", ex);
            }
            finally
            {
                _done.TrySetResult();
            }
        })
        {
            IsBackground = true,
            Name = "cwapm-" + what,
        };

        // Called from a request thread or a timer: nothing may escape into the app.
        try
        {
            thread.Start();
        }
        catch (Exception ex)
        {
            AgentLog.Error("the agent's " + what + " could not start; the application runs without them", ex);
            _done.TrySetResult();
        }
    }

    /// <summary>
    /// At shutdown: a start that has not happened never will; one that has is waited for, at
    /// most the given time, so that what it built can be flushed.
    /// </summary>
    internal void CancelOrWait(int milliseconds)
    {
        if (Interlocked.CompareExchange(ref _state, Cancelled, Waiting) == Waiting)
        {
            StopWatching();
            _done.TrySetResult();
            return;
        }

        AgentRuntime.WaitFor(_done.Task, milliseconds);
    }

    private void StopWatching()
    {
        List<IDisposable> watches;
        lock (_watches)
        {
            _fallback?.Dispose();
            watches = [.. _watches];
            _watches.Clear();
        }

        foreach (var watch in watches)
        {
            try
            {
                watch.Dispose();
            }
            catch (Exception ex)
            {
                AgentLog.Debug("could not stop watching for the first request: " + ex.Message);
            }
        }
    }
}
