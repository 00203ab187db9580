// Turns decoded OTLP requests into the flat Received* records. Resource and scope are copied
// onto every span, point and log so a predicate never has to look up its parent.
using CloudWatchApm.Agent.IntegrationTests.Collector.Otlp.Common;
using CloudWatchApm.Agent.IntegrationTests.Collector.Otlp.Metrics;
using CloudWatchApm.Agent.IntegrationTests.Collector.Otlp.Services.Logs;
using CloudWatchApm.Agent.IntegrationTests.Collector.Otlp.Services.Metrics;
using CloudWatchApm.Agent.IntegrationTests.Collector.Otlp.Services.Trace;
using Google.Protobuf;
using Google.Protobuf.Collections;

namespace CloudWatchApm.Agent.IntegrationTests.Collector;

internal static class OtlpFlattener
{
    private static readonly IReadOnlyDictionary<string, object?> NoAttributes = new Dictionary<string, object?>();

    public static List<ReceivedSpan> Flatten(ExportTraceServiceRequest request, OtlpTransport transport)
    {
        var result = new List<ReceivedSpan>();
        foreach (var resourceSpans in request.ResourceSpans)
        {
            var resource = ToDictionary(resourceSpans.Resource?.Attributes);
            foreach (var scopeSpans in resourceSpans.ScopeSpans)
            {
                var scopeName = scopeSpans.Scope?.Name ?? string.Empty;
                var scopeVersion = scopeSpans.Scope?.Version ?? string.Empty;
                foreach (var span in scopeSpans.Spans)
                {
                    result.Add(new ReceivedSpan
                    {
                        TraceId = ToHex(span.TraceId),
                        SpanId = ToHex(span.SpanId),
                        ParentSpanId = ToHex(span.ParentSpanId),
                        TraceState = span.TraceState,
                        Flags = span.Flags,
                        Name = span.Name,
                        Kind = (OtlpSpanKind)(int)span.Kind,
                        StartTimeUnixNano = span.StartTimeUnixNano,
                        EndTimeUnixNano = span.EndTimeUnixNano,
                        Attributes = ToDictionary(span.Attributes),
                        Events = span.Events.Select(e => new ReceivedSpanEvent(e.Name, e.TimeUnixNano, ToDictionary(e.Attributes))).ToList(),
                        Links = span.Links.Select(l => new ReceivedSpanLink(
                            ToHex(l.TraceId), ToHex(l.SpanId), l.TraceState, l.Flags, ToDictionary(l.Attributes))).ToList(),
                        StatusCode = (OtlpStatusCode)(int)(span.Status?.Code ?? Otlp.Trace.Status.Types.StatusCode.Unset),
                        StatusMessage = span.Status?.Message ?? string.Empty,
                        ResourceAttributes = resource,
                        ScopeName = scopeName,
                        ScopeVersion = scopeVersion,
                        Transport = transport,
                    });
                }
            }
        }

        return result;
    }

    public static List<ReceivedMetric> Flatten(ExportMetricsServiceRequest request, OtlpTransport transport)
    {
        var result = new List<ReceivedMetric>();
        foreach (var resourceMetrics in request.ResourceMetrics)
        {
            var resource = ToDictionary(resourceMetrics.Resource?.Attributes);
            foreach (var scopeMetrics in resourceMetrics.ScopeMetrics)
            {
                var scopeName = scopeMetrics.Scope?.Name ?? string.Empty;
                var scopeVersion = scopeMetrics.Scope?.Version ?? string.Empty;
                foreach (var metric in scopeMetrics.Metrics)
                {
                    var (type, temporality, monotonic, points) = FlattenData(metric);
                    result.Add(new ReceivedMetric
                    {
                        Name = metric.Name,
                        Description = metric.Description,
                        Unit = metric.Unit,
                        Type = type,
                        Temporality = temporality,
                        IsMonotonic = monotonic,
                        Points = points,
                        ResourceAttributes = resource,
                        ScopeName = scopeName,
                        ScopeVersion = scopeVersion,
                        Transport = transport,
                    });
                }
            }
        }

        return result;
    }

    public static List<ReceivedLog> Flatten(ExportLogsServiceRequest request, OtlpTransport transport)
    {
        var result = new List<ReceivedLog>();
        foreach (var resourceLogs in request.ResourceLogs)
        {
            var resource = ToDictionary(resourceLogs.Resource?.Attributes);
            foreach (var scopeLogs in resourceLogs.ScopeLogs)
            {
                var scopeName = scopeLogs.Scope?.Name ?? string.Empty;
                var scopeVersion = scopeLogs.Scope?.Version ?? string.Empty;
                foreach (var log in scopeLogs.LogRecords)
                {
                    result.Add(new ReceivedLog
                    {
                        TimeUnixNano = log.TimeUnixNano,
                        ObservedTimeUnixNano = log.ObservedTimeUnixNano,
                        SeverityNumber = (int)log.SeverityNumber,
                        SeverityText = log.SeverityText,
                        Body = ToObject(log.Body),
                        Attributes = ToDictionary(log.Attributes),
                        TraceId = ToHex(log.TraceId),
                        SpanId = ToHex(log.SpanId),
                        Flags = log.Flags,
                        EventName = log.EventName,
                        ResourceAttributes = resource,
                        ScopeName = scopeName,
                        ScopeVersion = scopeVersion,
                        Transport = transport,
                    });
                }
            }
        }

        return result;
    }

    /// <summary>Counts data points, the unit OTLP uses for metrics in partial-success answers.</summary>
    public static int CountPoints(IEnumerable<ReceivedMetric> metrics) => metrics.Sum(m => m.Points.Count);

    public static object? ToObject(AnyValue? value)
    {
        if (value is null)
        {
            return null;
        }

        return value.ValueCase switch
        {
            AnyValue.ValueOneofCase.StringValue => value.StringValue,
            AnyValue.ValueOneofCase.BoolValue => value.BoolValue,
            AnyValue.ValueOneofCase.IntValue => value.IntValue,
            AnyValue.ValueOneofCase.DoubleValue => value.DoubleValue,
            AnyValue.ValueOneofCase.BytesValue => value.BytesValue.ToByteArray(),
            AnyValue.ValueOneofCase.ArrayValue => value.ArrayValue.Values.Select(ToObject).ToList(),
            AnyValue.ValueOneofCase.KvlistValue => ToDictionary(value.KvlistValue.Values),
            _ => null,
        };
    }

    private static (OtlpMetricType Type, OtlpTemporality Temporality, bool Monotonic, List<ReceivedMetricPoint> Points) FlattenData(Metric metric)
    {
        switch (metric.DataCase)
        {
            case Metric.DataOneofCase.Gauge:
                return (OtlpMetricType.Gauge, OtlpTemporality.Unspecified, false, metric.Gauge.DataPoints.Select(NumberPoint).ToList());
            case Metric.DataOneofCase.Sum:
                return (OtlpMetricType.Sum, (OtlpTemporality)(int)metric.Sum.AggregationTemporality, metric.Sum.IsMonotonic,
                    metric.Sum.DataPoints.Select(NumberPoint).ToList());
            case Metric.DataOneofCase.Histogram:
                return (OtlpMetricType.Histogram, (OtlpTemporality)(int)metric.Histogram.AggregationTemporality, false,
                    metric.Histogram.DataPoints.Select(HistogramPoint).ToList());
            case Metric.DataOneofCase.ExponentialHistogram:
                return (OtlpMetricType.ExponentialHistogram, (OtlpTemporality)(int)metric.ExponentialHistogram.AggregationTemporality, false,
                    metric.ExponentialHistogram.DataPoints.Select(ExponentialPoint).ToList());
            case Metric.DataOneofCase.Summary:
                return (OtlpMetricType.Summary, OtlpTemporality.Unspecified, false, metric.Summary.DataPoints.Select(SummaryPoint).ToList());
            default:
                return (OtlpMetricType.Unknown, OtlpTemporality.Unspecified, false, []);
        }
    }

    private static ReceivedMetricPoint NumberPoint(NumberDataPoint p) => new()
    {
        Attributes = ToDictionary(p.Attributes),
        StartTimeUnixNano = p.StartTimeUnixNano,
        TimeUnixNano = p.TimeUnixNano,
        Flags = p.Flags,
        ExemplarCount = p.Exemplars.Count,
        DoubleValue = p.ValueCase == NumberDataPoint.ValueOneofCase.AsDouble ? p.AsDouble : null,
        LongValue = p.ValueCase == NumberDataPoint.ValueOneofCase.AsInt ? p.AsInt : null,
    };

    private static ReceivedMetricPoint HistogramPoint(HistogramDataPoint p) => new()
    {
        Attributes = ToDictionary(p.Attributes),
        StartTimeUnixNano = p.StartTimeUnixNano,
        TimeUnixNano = p.TimeUnixNano,
        Flags = p.Flags,
        ExemplarCount = p.Exemplars.Count,
        Count = p.Count,
        Sum = p.HasSum ? p.Sum : null,
        Min = p.HasMin ? p.Min : null,
        Max = p.HasMax ? p.Max : null,
        BucketCounts = [.. p.BucketCounts],
        ExplicitBounds = [.. p.ExplicitBounds],
    };

    private static ReceivedMetricPoint ExponentialPoint(ExponentialHistogramDataPoint p) => new()
    {
        Attributes = ToDictionary(p.Attributes),
        StartTimeUnixNano = p.StartTimeUnixNano,
        TimeUnixNano = p.TimeUnixNano,
        Flags = p.Flags,
        ExemplarCount = p.Exemplars.Count,
        Count = p.Count,
        Sum = p.HasSum ? p.Sum : null,
        Min = p.HasMin ? p.Min : null,
        Max = p.HasMax ? p.Max : null,
        Scale = p.Scale,
        ZeroCount = p.ZeroCount,
        PositiveOffset = p.Positive?.Offset ?? 0,
        PositiveBucketCounts = p.Positive is null ? [] : [.. p.Positive.BucketCounts],
        NegativeOffset = p.Negative?.Offset ?? 0,
        NegativeBucketCounts = p.Negative is null ? [] : [.. p.Negative.BucketCounts],
    };

    private static ReceivedMetricPoint SummaryPoint(SummaryDataPoint p) => new()
    {
        Attributes = ToDictionary(p.Attributes),
        StartTimeUnixNano = p.StartTimeUnixNano,
        TimeUnixNano = p.TimeUnixNano,
        Flags = p.Flags,
        ExemplarCount = 0,
        Count = p.Count,
        Sum = p.Sum,
        Quantiles = p.QuantileValues.Select(q => KeyValuePair.Create(q.Quantile, q.Value)).ToList(),
    };

    private static IReadOnlyDictionary<string, object?> ToDictionary(RepeatedField<KeyValue>? attributes)
    {
        if (attributes is null || attributes.Count == 0)
        {
            return NoAttributes;
        }

        // Last one wins on a duplicate key, which OTLP forbids but a buggy exporter could send.
        var result = new Dictionary<string, object?>(attributes.Count, StringComparer.Ordinal);
        foreach (var attribute in attributes)
        {
            result[attribute.Key] = ToObject(attribute.Value);
        }

        return result;
    }

    private static string ToHex(ByteString bytes) => bytes.IsEmpty ? string.Empty : Convert.ToHexStringLower(bytes.Span);
}
