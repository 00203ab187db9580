// Everything the mock collector has received, behind one lock. It outlives the Kestrel host
// so data survives a stop/restart, and it pulses a task on every change so waiters wake at
// once instead of polling.
namespace CloudWatchApm.Agent.IntegrationTests.Collector;

internal sealed class CollectorState
{
    private readonly Lock _lock = new();
    private readonly List<ReceivedSpan> _spans = [];
    private readonly List<ReceivedMetric> _metrics = [];
    private readonly List<ReceivedLog> _logs = [];
    private readonly List<ReceivedRequest> _requests = [];
    private readonly List<TlsHandshakeRecord> _handshakes = [];
    private CollectorFailure? _failure;
    private int _failuresLeft;
    private TaskCompletionSource _changed = NewSignal();

    public CollectorState(CollectorFailure? failure) => SetFailure(failure);

    public IReadOnlyList<ReceivedSpan> Spans => Snapshot(_spans);

    public IReadOnlyList<ReceivedMetric> Metrics => Snapshot(_metrics);

    public IReadOnlyList<ReceivedLog> Logs => Snapshot(_logs);

    public IReadOnlyList<ReceivedRequest> Requests => Snapshot(_requests);

    public IReadOnlyList<TlsHandshakeRecord> TlsHandshakes => Snapshot(_handshakes);

    /// <summary>Completes on the next change; take it before reading a snapshot so no change is missed.</summary>
    public Task Changed
    {
        get
        {
            lock (_lock)
            {
                return _changed.Task;
            }
        }
    }

    public void SetFailure(CollectorFailure? failure)
    {
        lock (_lock)
        {
            _failure = failure;
            _failuresLeft = failure?.Times ?? int.MaxValue;
        }
    }

    /// <summary>
    /// Records one export request and, unless a configured failure applies, its data.
    /// Returns the failure the caller must answer with, or null to answer success.
    /// </summary>
    public CollectorFailure? Record(
        ReceivedRequest request,
        IReadOnlyList<ReceivedSpan>? spans = null,
        IReadOnlyList<ReceivedMetric>? metrics = null,
        IReadOnlyList<ReceivedLog>? logs = null)
    {
        CollectorFailure? failure;
        lock (_lock)
        {
            failure = TakeFailure(request.Signal);
            var accepted = failure is null && request.Error is null;
            var isGrpc = request.Transport == OtlpTransport.Grpc;
            _requests.Add(request with
            {
                Accepted = accepted,
                HttpStatusCode = isGrpc ? null : failure?.HttpStatusCode ?? request.HttpStatusCode ?? 200,
                GrpcStatusCode = !isGrpc ? null : failure?.GrpcStatus ?? request.GrpcStatusCode ?? Grpc.Core.StatusCode.OK,
            });

            if (accepted)
            {
                _spans.AddRange(spans ?? []);
                _metrics.AddRange(metrics ?? []);
                _logs.AddRange(logs ?? []);
            }
        }

        Pulse();
        return failure;
    }

    public void RecordHandshake(TlsHandshakeRecord handshake)
    {
        lock (_lock)
        {
            _handshakes.Add(handshake);
        }

        Pulse();
    }

    public void Clear()
    {
        lock (_lock)
        {
            _spans.Clear();
            _metrics.Clear();
            _logs.Clear();
            _requests.Clear();
            _handshakes.Clear();
        }

        Pulse();
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private CollectorFailure? TakeFailure(OtlpSignal signal)
    {
        if (_failure is null || signal == OtlpSignal.Unknown || (_failure.Signal is { } only && only != signal))
        {
            return null;
        }

        var failure = _failure;
        if (--_failuresLeft <= 0)
        {
            _failure = null;
        }

        return failure;
    }

    private List<T> Snapshot<T>(List<T> items)
    {
        lock (_lock)
        {
            return [.. items];
        }
    }

    private void Pulse()
    {
        TaskCompletionSource previous;
        lock (_lock)
        {
            previous = _changed;
            _changed = NewSignal();
        }

        previous.TrySetResult();
    }
}
