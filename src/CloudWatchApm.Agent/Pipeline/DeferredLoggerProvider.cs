// The logger provider the agent puts into an app's logging. Building OpenTelemetry's logger
// provider (the SDK, the OTLP exporter, its export thread) on the app's main thread while the
// host is built cost a hosted hello world about 12 ms before its first response; this stand-in
// costs nothing to create. The OpenTelemetry provider behind it is built on a thread-pool thread
// when the agent lets it: for an ASP.NET Core app after its first request (building it while
// the app starts, even in the background, cost the hello world's first response another 7-13 ms),
// else once the agent's providers are ready. Records written before that are kept (bounded) and
// written through it then, with the time, trace context and scopes they had when written. What
// they hold is copied when they are written (their values, formatted message and scope values):
// ASP.NET Core's request records and scopes read the request lazily, and once it has ended they
// throw. An app that stops first still gets them exported: disposing, flushing or shutting down
// asks for the build and waits for it, a bounded time.
using System.Collections.Concurrent;
using System.Diagnostics;
using CloudWatchApm.Agent.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OpenTelemetry;
using OpenTelemetry.Logs;

namespace CloudWatchApm.Agent.Pipeline;

/// <summary>
/// Stands in for <see cref="OpenTelemetryLoggerProvider"/>, under the same alias, so the app's
/// filter rules for "OpenTelemetry" (Logging:OpenTelemetry:LogLevel) apply unchanged.
/// </summary>
[ProviderAlias("OpenTelemetry")]
internal sealed class DeferredLoggerProvider : ILoggerProvider, ISupportExternalScope
{
    [ThreadStatic]
    private static Pending? _replaying;

    private readonly ConcurrentDictionary<string, DeferredLogger> _loggers = new(StringComparer.Ordinal);
    private readonly Action<OpenTelemetryLoggerOptions> _configure;
    private readonly int _maxPending;
    private readonly object _gate = new();
    private readonly ReplayStamp _stamp = new();
    private Queue<Pending>? _pending = new();
    private volatile OpenTelemetryLoggerProvider? _inner;
    private volatile bool _closed;
    private readonly TaskCompletionSource _attachEnded = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Task _ready;
    private readonly Action? _requestStart;
    private int _dropped;
    private IExternalScopeProvider? _appScopes;

    /// <param name="ready">Completes when the OpenTelemetry provider is to be built (the agent's resource exists by then).</param>
    /// <param name="configure">Adds the resource and the exporters' processors to the provider's options.</param>
    /// <param name="maxPending">Records kept while waiting; more are counted and dropped.</param>
    /// <param name="requestStart">Asks for <paramref name="ready"/> to complete now (the app is stopping or flushing); null when nothing can hurry it.</param>
    internal DeferredLoggerProvider(Task ready, Action<OpenTelemetryLoggerOptions> configure, int maxPending, Action? requestStart = null)
    {
        _configure = configure;
        _maxPending = maxPending;
        _ready = ready;
        _requestStart = requestStart;
        ready.ContinueWith(static (_, state) => ((DeferredLoggerProvider)state!).Attach(), this, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
    }

    /// <summary>How long disposing waits for the provider to be built so that the kept records are exported.</summary>
    internal const int DisposeWaitMilliseconds = 2000;

    /// <summary>
    /// True once the OpenTelemetry provider is built and the waiting records went through it.
    /// The provider is published before the waiting records are written (under the lock, so that
    /// new records go to it directly); the attach's end is what says they were written.
    /// </summary>
    internal bool IsAttached => _inner is not null && _attachEnded.Task.IsCompleted;

    /// <summary>Records dropped because more than the limit were written before the provider existed.</summary>
    internal int Dropped => Volatile.Read(ref _dropped);

    public ILogger CreateLogger(string categoryName) => _loggers.GetOrAdd(categoryName, static (name, owner) => new DeferredLogger(owner, name), this);

    void ISupportExternalScope.SetScopeProvider(IExternalScopeProvider scopeProvider) => _appScopes = scopeProvider;

    /// <summary>
    /// Exports what the provider holds. Records still waiting for it first make it be built
    /// (within the same time). False when it could not be built in time, or not at all.
    /// </summary>
    internal bool ForceFlush(int timeoutMilliseconds)
    {
        var started = Stopwatch.GetTimestamp();
        AttachIfWaiting(timeoutMilliseconds);
        var left = Math.Max(0, timeoutMilliseconds - (int)Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        return _inner is not null && _stamp.ParentProvider is LoggerProvider provider && provider.ForceFlush(left);
    }

    public void Dispose()
    {
        // The host disposes its providers when the app stops: records still waiting are exported
        // first, unless the provider cannot be built soon enough.
        AttachIfWaiting(DisposeWaitMilliseconds);
        OpenTelemetryLoggerProvider? inner;
        lock (_gate)
        {
            _closed = true;
            _pending = null;
            inner = _inner;
        }

        // Disposing the OpenTelemetry provider shuts its processors down, which exports what they hold.
        inner?.Dispose();
    }

    /// <summary>
    /// When records are waiting for a provider that is not built yet, asks for the build and
    /// waits for it, at most the given time. Without a way to hurry it and before it may be
    /// built, nothing is waited for.
    /// </summary>
    private void AttachIfWaiting(int timeoutMilliseconds)
    {
        lock (_gate)
        {
            if (_inner is not null || _closed || _pending is not { Count: > 0 })
            {
                return;
            }
        }

        if (_requestStart is null && !_ready.IsCompleted)
        {
            return;
        }

        try
        {
            _requestStart?.Invoke();
        }
        catch (Exception ex)
        {
            AgentLog.Debug("could not ask for the log exporter to be built: " + ex.Message);
        }

        _attachEnded.Task.Wait(Math.Max(0, timeoutMilliseconds));
    }

    /// <summary>The ready task's continuation: runs once.</summary>
    private void Attach()
    {
        try
        {
            AttachOnce();
        }
        finally
        {
            _attachEnded.TrySetResult();
        }
    }

    private void AttachOnce()
    {
        OpenTelemetryLoggerProvider inner;
        try
        {
            if (_closed)
            {
                return;
            }

            var options = new OpenTelemetryLoggerOptions();

            // First, so the records written while waiting get their own time and trace back
            // before any exporter's processor sees them.
            options.AddProcessor(_stamp);
            _configure(options);
            inner = new OpenTelemetryLoggerProvider(new FixedOptions(options));
            ((ISupportExternalScope)inner).SetScopeProvider(new ReplayAwareScopes(this));
        }
        catch (Exception ex)
        {
            lock (_gate)
            {
                _closed = true;
                _pending = null;
            }

            AgentLog.Error("could not build the log exporter; the application's logs are not exported", ex);
            return;
        }

        Queue<Pending>? waiting;
        lock (_gate)
        {
            if (_closed)
            {
                waiting = null;
            }
            else
            {
                _inner = inner;
                waiting = _pending;
                _pending = null;
            }
        }

        if (waiting is null)
        {
            // Disposed while it was being built.
            inner.Dispose();
            return;
        }

        foreach (var record in waiting)
        {
            _replaying = record;
            try
            {
                record.Write();
            }
            catch (Exception ex)
            {
                AgentLog.Debug("a log record written before the log exporter was ready could not be passed on: " + ex.Message);
            }
            finally
            {
                _replaying = null;
            }
        }

        var dropped = Dropped;
        if (dropped > 0)
        {
            AgentLog.Warn($"{dropped} log record(s) written before the log exporter was ready were dropped: at most {_maxPending} are kept (OTEL_BLRP_MAX_QUEUE_SIZE)");
        }
        else if (waiting.Count > 0)
        {
            AgentLog.Debug($"{waiting.Count} log record(s) written before the log exporter was ready were passed on to it");
        }
    }

    /// <summary>Keeps a record until the provider exists; false when it exists (write it directly).</summary>
    private bool TryKeep(Pending record)
    {
        lock (_gate)
        {
            if (_inner is not null)
            {
                return false;
            }

            if (_pending is { } pending)
            {
                if (pending.Count < _maxPending)
                {
                    pending.Enqueue(record);
                }
                else
                {
                    Interlocked.Increment(ref _dropped);
                }
            }

            // Closed (disposed, or the provider could not be built): the record goes nowhere.
            return true;
        }
    }

    /// <summary>
    /// True when a record would not be kept, so there is nothing to copy: the provider is closed
    /// (disposed, or it could not be built), or the limit is reached (the record counts as dropped).
    /// </summary>
    private bool Refuses()
    {
        if (_closed)
        {
            return true;
        }

        if (_pending is { } pending && pending.Count >= _maxPending)
        {
            Interlocked.Increment(ref _dropped);
            return true;
        }

        return false;
    }

    /// <summary>The app's current scopes; when <paramref name="copy"/>, each key-value scope copied (see <see cref="Snapshot"/>).</summary>
    private List<object?>? CaptureScopes(bool copy)
    {
        if (_appScopes is not { } scopes)
        {
            return null;
        }

        var list = new List<object?>();
        if (copy)
        {
            scopes.ForEachScope(static (scope, state) => state.Add(scope is IEnumerable<KeyValuePair<string, object?>> pairs ? Snapshot.Of(pairs, scope.ToString()) : scope), list);
        }
        else
        {
            scopes.ForEachScope(static (scope, state) => state.Add(scope), list);
        }

        return list.Count == 0 ? null : list;
    }

    /// <summary>
    /// A record kept until the provider exists: its state's key-value pairs and formatted message
    /// copied now, as are the scopes'. Should copying fail, the record keeps what it was given.
    /// </summary>
    private Pending Capture<TState>(DeferredLogger logger, LogLevel level, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        var timestamp = DateTime.UtcNow;
        var context = Activity.Current?.Context ?? default;
        try
        {
            var copy = Snapshot.Of(state as IEnumerable<KeyValuePair<string, object?>> ?? [], formatter is null ? null : formatter(state, exception));
            return new Pending<Snapshot>(logger, timestamp, context, CaptureScopes(copy: true), level, eventId, copy, exception, Snapshot.Format);
        }
        catch (Exception ex)
        {
            AgentLog.Debug("a log record written before the log exporter was ready is kept as written; copying it failed: " + ex.Message);
            return new Pending<TState>(logger, timestamp, context, CaptureScopes(copy: false), level, eventId, state, exception, formatter);
        }
    }

    private sealed class DeferredLogger(DeferredLoggerProvider owner, string category) : ILogger
    {
        private ILogger? _inner;

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull
            => Inner()?.BeginScope(state) ?? owner._appScopes?.Push(state);

        // The app's filter rules already decided; until the provider exists every level is kept,
        // and none once it cannot exist.
        public bool IsEnabled(LogLevel logLevel) => Inner()?.IsEnabled(logLevel) ?? (logLevel != LogLevel.None && !owner._closed);

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (Inner() is { } inner)
            {
                inner.Log(logLevel, eventId, state, exception, formatter);
                return;
            }

            if (logLevel == LogLevel.None || owner.Refuses())
            {
                return;
            }

            if (!owner.TryKeep(owner.Capture(this, logLevel, eventId, state, exception, formatter)))
            {
                // The provider appeared meanwhile.
                Inner()!.Log(logLevel, eventId, state, exception, formatter);
            }
        }

        internal ILogger? Inner()
        {
            if (_inner is { } inner)
            {
                return inner;
            }

            if (owner._inner is not { } provider)
            {
                return null;
            }

            return _inner = provider.CreateLogger(category);
        }
    }

    private abstract class Pending(DeferredLogger logger, DateTime timestamp, ActivityContext context, List<object?>? scopes)
    {
        internal DateTime Timestamp { get; } = timestamp;

        internal ActivityContext Context { get; } = context;

        internal List<object?>? Scopes { get; } = scopes;

        protected DeferredLogger Logger { get; } = logger;

        /// <summary>Writes the record through its logger's OpenTelemetry logger, which exists by then.</summary>
        internal abstract void Write();
    }

    private sealed class Pending<TState>(DeferredLogger logger, DateTime timestamp, ActivityContext context, List<object?>? scopes, LogLevel level, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        : Pending(logger, timestamp, context, scopes)
    {
        internal override void Write()
            => Logger.Inner()?.Log(level, eventId, state, exception, formatter);
    }

    /// <summary>
    /// A copy of a record's state or of a key-value scope, taken when it was written: the pairs
    /// as they were, and the text (the formatted message, or the scope's own text).
    /// </summary>
    private sealed class Snapshot(KeyValuePair<string, object?>[] pairs, string? text) : IReadOnlyList<KeyValuePair<string, object?>>
    {
        internal static readonly Func<Snapshot, Exception?, string> Format = static (snapshot, _) => snapshot.ToString();

        public int Count => pairs.Length;

        public KeyValuePair<string, object?> this[int index] => pairs[index];

        internal static Snapshot Of(IEnumerable<KeyValuePair<string, object?>> pairs, string? text) => new([.. pairs], text);

        public IEnumerator<KeyValuePair<string, object?>> GetEnumerator() => ((IEnumerable<KeyValuePair<string, object?>>)pairs).GetEnumerator();

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();

        public override string ToString() => text ?? string.Empty;
    }

    /// <summary>Gives a record written while waiting the time and trace context it was written with.</summary>
    private sealed class ReplayStamp : BaseProcessor<LogRecord>
    {
        public override void OnEnd(LogRecord data)
        {
            if (_replaying is not { } record)
            {
                return;
            }

            data.Timestamp = record.Timestamp;
            data.TraceId = record.Context.TraceId;
            data.SpanId = record.Context.SpanId;
            data.TraceFlags = record.Context.TraceFlags;
        }
    }

    /// <summary>The app's scopes; while a waiting record is written, the scopes it was written in.</summary>
    private sealed class ReplayAwareScopes(DeferredLoggerProvider owner) : IExternalScopeProvider
    {
        public void ForEachScope<TState>(Action<object?, TState> callback, TState state)
        {
            if (_replaying is { } record)
            {
                if (record.Scopes is { } scopes)
                {
                    foreach (var scope in scopes)
                    {
                        callback(scope, state);
                    }
                }

                return;
            }

            owner._appScopes?.ForEachScope(callback, state);
        }

        public IDisposable Push(object? state) => owner._appScopes?.Push(state) ?? NoScope.Instance;
    }

    private sealed class NoScope : IDisposable
    {
        internal static readonly NoScope Instance = new();

        public void Dispose()
        {
        }
    }

    private sealed class FixedOptions(OpenTelemetryLoggerOptions value) : IOptionsMonitor<OpenTelemetryLoggerOptions>
    {
        public OpenTelemetryLoggerOptions CurrentValue => value;

        public OpenTelemetryLoggerOptions Get(string? name) => value;

        public IDisposable? OnChange(Action<OpenTelemetryLoggerOptions, string?> listener) => null;
    }
}
