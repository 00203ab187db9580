// Flat, protobuf-free views of what the mock collector received, so test assertions read
// like the spec ("span named X with attribute Y") instead of walking OTLP's nesting.
// Attribute values are string, bool, long, double, byte[], IReadOnlyList<object?> (arrays)
// or IReadOnlyDictionary<string, object?> (kvlists); an empty AnyValue is null.
using Grpc.Core;

namespace CloudWatchApm.Agent.IntegrationTests.Collector;

internal enum OtlpSignal
{
    Traces,
    Metrics,
    Logs,

    /// <summary>A request to a path the collector does not serve (recorded to make wrong endpoints visible).</summary>
    Unknown,
}

internal enum OtlpTransport
{
    Grpc,
    Http,
}

/// <summary>Same numbers as OTLP's Span.SpanKind.</summary>
internal enum OtlpSpanKind
{
    Unspecified = 0,
    Internal = 1,
    Server = 2,
    Client = 3,
    Producer = 4,
    Consumer = 5,
}

/// <summary>Same numbers as OTLP's Status.StatusCode.</summary>
internal enum OtlpStatusCode
{
    Unset = 0,
    Ok = 1,
    Error = 2,
}

internal enum OtlpMetricType
{
    Unknown,
    Gauge,
    Sum,
    Histogram,
    ExponentialHistogram,
    Summary,
}

/// <summary>Same numbers as OTLP's AggregationTemporality.</summary>
internal enum OtlpTemporality
{
    Unspecified = 0,
    Delta = 1,
    Cumulative = 2,
}

internal sealed record ReceivedSpan
{
    public required string TraceId { get; init; }

    public required string SpanId { get; init; }

    /// <summary>Empty for a root span.</summary>
    public required string ParentSpanId { get; init; }

    public required string TraceState { get; init; }

    public required uint Flags { get; init; }

    public required string Name { get; init; }

    public required OtlpSpanKind Kind { get; init; }

    public required ulong StartTimeUnixNano { get; init; }

    public required ulong EndTimeUnixNano { get; init; }

    public required IReadOnlyDictionary<string, object?> Attributes { get; init; }

    public required IReadOnlyList<ReceivedSpanEvent> Events { get; init; }

    public required IReadOnlyList<ReceivedSpanLink> Links { get; init; }

    public required OtlpStatusCode StatusCode { get; init; }

    public required string StatusMessage { get; init; }

    public required IReadOnlyDictionary<string, object?> ResourceAttributes { get; init; }

    public required string ScopeName { get; init; }

    public required string ScopeVersion { get; init; }

    public required OtlpTransport Transport { get; init; }

    public bool IsRoot => ParentSpanId.Length == 0;

    public TimeSpan Duration => OtlpTime.Duration(StartTimeUnixNano, EndTimeUnixNano);

    public DateTimeOffset StartTime => OtlpTime.ToDateTimeOffset(StartTimeUnixNano);
}

internal sealed record ReceivedSpanEvent(string Name, ulong TimeUnixNano, IReadOnlyDictionary<string, object?> Attributes);

internal sealed record ReceivedSpanLink(
    string TraceId,
    string SpanId,
    string TraceState,
    uint Flags,
    IReadOnlyDictionary<string, object?> Attributes);

internal sealed record ReceivedMetric
{
    public required string Name { get; init; }

    public required string Description { get; init; }

    public required string Unit { get; init; }

    public required OtlpMetricType Type { get; init; }

    /// <summary>Unspecified for gauges and summaries, which carry none.</summary>
    public required OtlpTemporality Temporality { get; init; }

    /// <summary>Only meaningful for sums.</summary>
    public required bool IsMonotonic { get; init; }

    public required IReadOnlyList<ReceivedMetricPoint> Points { get; init; }

    public required IReadOnlyDictionary<string, object?> ResourceAttributes { get; init; }

    public required string ScopeName { get; init; }

    public required string ScopeVersion { get; init; }

    public required OtlpTransport Transport { get; init; }
}

/// <summary>One data point of any metric type; fields that do not apply to the type are null or empty.</summary>
internal sealed record ReceivedMetricPoint
{
    public required IReadOnlyDictionary<string, object?> Attributes { get; init; }

    public required ulong StartTimeUnixNano { get; init; }

    public required ulong TimeUnixNano { get; init; }

    public required uint Flags { get; init; }

    public required int ExemplarCount { get; init; }

    /// <summary>Gauge or sum point sent as as_double.</summary>
    public double? DoubleValue { get; init; }

    /// <summary>Gauge or sum point sent as as_int.</summary>
    public long? LongValue { get; init; }

    /// <summary>Histogram, exponential histogram and summary.</summary>
    public ulong? Count { get; init; }

    public double? Sum { get; init; }

    public double? Min { get; init; }

    public double? Max { get; init; }

    /// <summary>Explicit-bucket histogram.</summary>
    public IReadOnlyList<ulong> BucketCounts { get; init; } = [];

    public IReadOnlyList<double> ExplicitBounds { get; init; } = [];

    /// <summary>Exponential histogram.</summary>
    public int? Scale { get; init; }

    public ulong? ZeroCount { get; init; }

    public int PositiveOffset { get; init; }

    public IReadOnlyList<ulong> PositiveBucketCounts { get; init; } = [];

    public int NegativeOffset { get; init; }

    public IReadOnlyList<ulong> NegativeBucketCounts { get; init; } = [];

    /// <summary>Summary: (quantile, value) pairs.</summary>
    public IReadOnlyList<KeyValuePair<double, double>> Quantiles { get; init; } = [];

    /// <summary>The number of a gauge or sum point, whichever way it was encoded.</summary>
    public double? Value => LongValue ?? DoubleValue;
}

internal sealed record ReceivedLog
{
    public required ulong TimeUnixNano { get; init; }

    public required ulong ObservedTimeUnixNano { get; init; }

    public required int SeverityNumber { get; init; }

    public required string SeverityText { get; init; }

    public required object? Body { get; init; }

    public required IReadOnlyDictionary<string, object?> Attributes { get; init; }

    /// <summary>Empty when the log was written outside a span.</summary>
    public required string TraceId { get; init; }

    public required string SpanId { get; init; }

    public required uint Flags { get; init; }

    public required string EventName { get; init; }

    public required IReadOnlyDictionary<string, object?> ResourceAttributes { get; init; }

    public required string ScopeName { get; init; }

    public required string ScopeVersion { get; init; }

    public required OtlpTransport Transport { get; init; }
}

/// <summary>One export request as it reached the collector, whether or not it was accepted.</summary>
internal sealed record ReceivedRequest
{
    public required OtlpSignal Signal { get; init; }

    public required OtlpTransport Transport { get; init; }

    public required string Path { get; init; }

    /// <summary>"HTTP/1.1" or "HTTP/2".</summary>
    public required string Protocol { get; init; }

    /// <summary>Case-insensitive; repeated headers are joined with a comma.</summary>
    public required IReadOnlyDictionary<string, string> Headers { get; init; }

    public required string ContentType { get; init; }

    /// <summary>Content-Encoding for OTLP/HTTP, grpc-encoding for gRPC; empty when absent.</summary>
    public required string ContentEncoding { get; init; }

    public bool IsGzip => string.Equals(ContentEncoding, "gzip", StringComparison.OrdinalIgnoreCase);

    public required bool IsTls { get; init; }

    public required bool ClientCertificatePresented { get; init; }

    /// <summary>True when the client presented the collector's generated client certificate.</summary>
    public required bool ClientCertificateMatched { get; init; }

    /// <summary>Spans, metric data points or log records in the request (0 when it could not be decoded).</summary>
    public int ItemCount { get; init; }

    public bool Accepted { get; init; }

    /// <summary>Status sent on OTLP/HTTP; null for gRPC.</summary>
    public int? HttpStatusCode { get; init; }

    /// <summary>Status sent on gRPC; null for OTLP/HTTP.</summary>
    public StatusCode? GrpcStatusCode { get; init; }

    /// <summary>Why the collector refused to decode the request, if it did.</summary>
    public string? Error { get; init; }

    public required DateTimeOffset ReceivedAt { get; init; }
}

/// <summary>One TLS connection attempt on the TLS endpoint.</summary>
internal sealed record TlsHandshakeRecord(
    bool Succeeded,
    bool ClientCertificatePresented,
    bool ClientCertificateMatched,
    string? ClientCertificateSubject);

internal static class OtlpTime
{
    public static DateTimeOffset ToDateTimeOffset(ulong unixNano) =>
        DateTimeOffset.UnixEpoch.AddTicks((long)(unixNano / 100));

    public static TimeSpan Duration(ulong startUnixNano, ulong endUnixNano) =>
        endUnixNano >= startUnixNano ? TimeSpan.FromTicks((long)((endUnixNano - startUnixNano) / 100)) : TimeSpan.Zero;
}
