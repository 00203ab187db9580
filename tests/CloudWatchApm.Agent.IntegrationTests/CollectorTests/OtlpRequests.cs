// Hand-built OTLP export requests that use every field the mock collector flattens, so the
// collector tests can check each one survives the wire. Also the small client-side helpers
// (gzip, gRPC framing, TLS trust) those tests share.
using System.Buffers.Binary;
using System.IO.Compression;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using CloudWatchApm.Agent.IntegrationTests.Collector.Otlp.Common;
using CloudWatchApm.Agent.IntegrationTests.Collector.Otlp.Logs;
using CloudWatchApm.Agent.IntegrationTests.Collector.Otlp.Metrics;
using CloudWatchApm.Agent.IntegrationTests.Collector.Otlp.Resource;
using CloudWatchApm.Agent.IntegrationTests.Collector.Otlp.Services.Logs;
using CloudWatchApm.Agent.IntegrationTests.Collector.Otlp.Services.Metrics;
using CloudWatchApm.Agent.IntegrationTests.Collector.Otlp.Services.Trace;
using CloudWatchApm.Agent.IntegrationTests.Collector.Otlp.Trace;
using Google.Protobuf;

namespace CloudWatchApm.Agent.IntegrationTests.CollectorTests;

internal static class OtlpRequests
{
    public const string TraceId = "0af7651916cd43dd8448eb211c80319c";
    public const string SpanId = "b7ad6b7169203331";
    public const string ParentSpanId = "00f067aa0ba902b7";
    public const string LinkedTraceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    public const ulong StartNanos = 1_700_000_000_000_000_000;
    public const ulong EndNanos = StartNanos + 25_000_000;

    public static ExportTraceServiceRequest Traces(string spanName = "GET /users/{id}") => new()
    {
        ResourceSpans =
        {
            new ResourceSpans
            {
                Resource = Resource(),
                ScopeSpans =
                {
                    new ScopeSpans
                    {
                        Scope = new InstrumentationScope { Name = "Microsoft.AspNetCore", Version = "10.0.0" },
                        Spans =
                        {
                            new Span
                            {
                                TraceId = Hex(TraceId),
                                SpanId = Hex(SpanId),
                                ParentSpanId = Hex(ParentSpanId),
                                TraceState = "vendor=1",
                                Flags = 0x101,
                                Name = spanName,
                                Kind = Span.Types.SpanKind.Server,
                                StartTimeUnixNano = StartNanos,
                                EndTimeUnixNano = EndNanos,
                                Attributes =
                                {
                                    Attribute("http.request.method", "GET"),
                                    Attribute("http.response.status_code", 200L),
                                    Attribute("http.route", "/users/{id}"),
                                    Attribute("sampled", true),
                                    Attribute("ratio", 0.5),
                                    Attribute("tags", new object[] { "a", 7L }),
                                    Attribute("nested", new Dictionary<string, object> { ["inner"] = 1L, ["deeper"] = new object[] { true } }),
                                    Attribute("raw", new byte[] { 0xCA, 0xFE }),
                                },
                                Events =
                                {
                                    new Span.Types.Event
                                    {
                                        Name = "exception",
                                        TimeUnixNano = StartNanos + 1_000,
                                        Attributes = { Attribute("exception.type", "System.InvalidOperationException") },
                                    },
                                },
                                Links =
                                {
                                    new Span.Types.Link
                                    {
                                        TraceId = Hex(LinkedTraceId),
                                        SpanId = Hex(ParentSpanId),
                                        TraceState = "k=v",
                                        Flags = 1,
                                        Attributes = { Attribute("link.kind", "follows") },
                                    },
                                },
                                Status = new Status { Code = Status.Types.StatusCode.Error, Message = "boom" },
                            },
                            new Span
                            {
                                TraceId = Hex(TraceId),
                                SpanId = Hex(ParentSpanId),
                                Name = "root",
                                Kind = Span.Types.SpanKind.Internal,
                                StartTimeUnixNano = StartNanos,
                                EndTimeUnixNano = EndNanos,
                            },
                        },
                    },
                },
            },
        },
    };

    public static ExportMetricsServiceRequest Metrics() => new()
    {
        ResourceMetrics =
        {
            new ResourceMetrics
            {
                Resource = Resource(),
                ScopeMetrics =
                {
                    new ScopeMetrics
                    {
                        Scope = new InstrumentationScope { Name = "System.Runtime", Version = "1.0" },
                        Metrics =
                        {
                            new Metric
                            {
                                Name = "process.cpu.utilization",
                                Unit = "1",
                                Description = "CPU share",
                                Gauge = new Gauge { DataPoints = { new NumberDataPoint { AsDouble = 0.75, TimeUnixNano = EndNanos, Attributes = { Attribute("cpu", "0") } } } },
                            },
                            new Metric
                            {
                                Name = "http.server.request.count",
                                Unit = "{request}",
                                Sum = new Sum
                                {
                                    AggregationTemporality = AggregationTemporality.Cumulative,
                                    IsMonotonic = true,
                                    DataPoints =
                                    {
                                        new NumberDataPoint { AsInt = 42, StartTimeUnixNano = StartNanos, TimeUnixNano = EndNanos, Attributes = { Attribute("http.route", "/users/{id}") } },
                                        new NumberDataPoint { AsInt = 3, StartTimeUnixNano = StartNanos, TimeUnixNano = EndNanos, Attributes = { Attribute("http.route", "/orders") } },
                                    },
                                },
                            },
                            new Metric
                            {
                                Name = "http.server.request.duration",
                                Unit = "s",
                                Histogram = new Histogram
                                {
                                    AggregationTemporality = AggregationTemporality.Delta,
                                    DataPoints =
                                    {
                                        new HistogramDataPoint
                                        {
                                            Count = 3,
                                            Sum = 6,
                                            Min = 1,
                                            Max = 3,
                                            BucketCounts = { 1, 2, 0 },
                                            ExplicitBounds = { 1.5, 5 },
                                            Exemplars = { new Exemplar { AsDouble = 3, SpanId = Hex(SpanId), TraceId = Hex(TraceId) } },
                                        },
                                    },
                                },
                            },
                            new Metric
                            {
                                Name = "queue.latency",
                                Unit = "ms",
                                ExponentialHistogram = new ExponentialHistogram
                                {
                                    AggregationTemporality = AggregationTemporality.Cumulative,
                                    DataPoints =
                                    {
                                        new ExponentialHistogramDataPoint
                                        {
                                            Count = 4,
                                            Sum = 10,
                                            Scale = 3,
                                            ZeroCount = 1,
                                            Positive = new ExponentialHistogramDataPoint.Types.Buckets { Offset = -2, BucketCounts = { 1, 2 } },
                                            Negative = new ExponentialHistogramDataPoint.Types.Buckets(),
                                        },
                                    },
                                },
                            },
                            new Metric
                            {
                                Name = "legacy.summary",
                                Summary = new Summary
                                {
                                    DataPoints =
                                    {
                                        new SummaryDataPoint
                                        {
                                            Count = 2,
                                            Sum = 10,
                                            QuantileValues =
                                            {
                                                new SummaryDataPoint.Types.ValueAtQuantile { Quantile = 0.5, Value = 4 },
                                                new SummaryDataPoint.Types.ValueAtQuantile { Quantile = 1, Value = 6 },
                                            },
                                        },
                                    },
                                },
                            },
                        },
                    },
                },
            },
        },
    };

    public static ExportLogsServiceRequest Logs() => new()
    {
        ResourceLogs =
        {
            new ResourceLogs
            {
                Resource = Resource(),
                ScopeLogs =
                {
                    new ScopeLogs
                    {
                        Scope = new InstrumentationScope { Name = "Orders.Service", Version = "2.1" },
                        LogRecords =
                        {
                            new LogRecord
                            {
                                TimeUnixNano = StartNanos,
                                ObservedTimeUnixNano = EndNanos,
                                SeverityNumber = SeverityNumber.Error,
                                SeverityText = "Error",
                                Body = Value("Order 7 failed"),
                                Attributes = { Attribute("order.id", 7L) },
                                TraceId = Hex(TraceId),
                                SpanId = Hex(SpanId),
                                Flags = 1,
                                EventName = "orders.failed",
                            },
                            new LogRecord
                            {
                                // 10 is INFO2, a number the minimal enum leaves unnamed on purpose.
                                SeverityNumber = (SeverityNumber)10,
                                Body = Value(new Dictionary<string, object> { ["message"] = "structured", ["count"] = 2L }),
                            },
                        },
                    },
                },
            },
        },
    };

    public static byte[] Gzip(byte[] data)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest))
        {
            gzip.Write(data);
        }

        return output.ToArray();
    }

    /// <summary>The 5-byte gRPC length-prefixed message framing (uncompressed flag + big-endian length).</summary>
    public static byte[] GrpcFrame(byte[] message)
    {
        var framed = new byte[5 + message.Length];
        BinaryPrimitives.WriteUInt32BigEndian(framed.AsSpan(1), (uint)message.Length);
        message.CopyTo(framed, 5);
        return framed;
    }

    /// <summary>A handler that trusts only the CA in <paramref name="caPemPath"/>, as an exporter given OTEL_EXPORTER_OTLP_CERTIFICATE would.</summary>
    public static SocketsHttpHandler TlsHandler(string? caPemPath, X509Certificate2? clientCertificate = null)
    {
        var ssl = new SslClientAuthenticationOptions();
        if (caPemPath is not null)
        {
            var policy = new X509ChainPolicy { TrustMode = X509ChainTrustMode.CustomRootTrust, RevocationMode = X509RevocationMode.NoCheck };
            policy.CustomTrustStore.Add(X509CertificateLoader.LoadCertificateFromFile(caPemPath));
            ssl.CertificateChainPolicy = policy;
        }

        if (clientCertificate is not null)
        {
            ssl.ClientCertificates = [clientCertificate];
        }

        return new SocketsHttpHandler { SslOptions = ssl };
    }

    private static Resource Resource() => new()
    {
        Attributes = { Attribute("service.name", "orders"), Attribute("host.cores", 4L) },
    };

    private static ByteString Hex(string hex) => ByteString.CopyFrom(Convert.FromHexString(hex));

    private static KeyValue Attribute(string key, object value) => new() { Key = key, Value = Value(value) };

    private static AnyValue Value(object value) => value switch
    {
        string s => new AnyValue { StringValue = s },
        bool b => new AnyValue { BoolValue = b },
        long l => new AnyValue { IntValue = l },
        double d => new AnyValue { DoubleValue = d },
        byte[] bytes => new AnyValue { BytesValue = ByteString.CopyFrom(bytes) },
        object[] items => new AnyValue { ArrayValue = new ArrayValue { Values = { items.Select(Value) } } },
        Dictionary<string, object> map => new AnyValue { KvlistValue = new KeyValueList { Values = { map.Select(kv => Attribute(kv.Key, kv.Value)) } } },
        _ => throw new ArgumentException("unsupported attribute type " + value.GetType(), nameof(value)),
    };
}
