// The processor end to end inside a tracer provider: Latency/Error/Fault recorded with the
// right dimensions, spans the sampler dropped still measured but never exported, the same
// dimensions on the spans, and no allocation per span once the dimensions are cached.
using System.Diagnostics;
using CloudWatchApm.Agent.Aws.ApplicationSignals;
using CloudWatchApm.Agent.Configuration;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using Xunit;

namespace CloudWatchApm.Agent.Tests.Aws.ApplicationSignals;

public sealed class ApplicationSignalsProcessorTests : IDisposable
{
    private readonly string _meterName = "AppSignalsTest." + Guid.NewGuid().ToString("N");
    private readonly List<MetricSnapshot> _metrics = [];
    private readonly List<Activity> _exported = [];
    private readonly ActivitySource _source = new("AppSignalsProcessorTests." + Guid.NewGuid().ToString("N"));
    private MeterProvider? _meterProvider;

    public void Dispose()
    {
        _meterProvider?.Dispose();
        _source.Dispose();
    }

    [Fact]
    public void Processor_ServerAndClientSpans_RecordLatencyErrorFaultWithDimensionsAndTagTheSpans()
    {
        using (var provider = TracerProvider(new AlwaysOnSampler()))
        {
            using (var server = _source.StartActivity("GET /orders/{id}", ActivityKind.Server, SpanFactory.RemoteParent)!)
            {
                server.SetTag("http.request.method", "GET");
                server.SetTag("http.route", "/orders/{id}");
                server.SetTag("http.response.status_code", 404);
                using var client = _source.StartActivity("GET", ActivityKind.Client)!;
                client.SetTag("http.request.method", "GET");
                client.SetTag("server.address", "users");
                client.SetTag("server.port", 8080);
                client.SetTag("url.full", "http://users:8080/users/1");
                client.SetTag("http.response.status_code", 503);
            }

            provider.ForceFlush();
        }

        var latency = Points("Latency");
        Assert.Equal(OpenTelemetry.Metrics.MetricType.ExponentialHistogram, _metrics.First(m => m.Name == "Latency").MetricType);
        Assert.Equal("Milliseconds", _metrics.First(m => m.Name == "Latency").Unit);
        Assert.Contains(latency, p => p.Tags["aws.span.kind"] as string == "LOCAL_ROOT" && p.Tags["aws.local.operation"] as string == "GET /orders/{id}" && p.Tags["aws.local.service"] as string == "orders");
        Assert.Contains(latency, p => p.Tags["aws.span.kind"] as string == "CLIENT" && p.Tags["aws.remote.service"] as string == "users:8080" && p.Tags["aws.remote.operation"] as string == "GET /users" && p.Tags["aws.local.operation"] as string == "GET /orders/{id}");

        Assert.Equal(1, Points("Error").Single(p => p.Tags["aws.span.kind"] as string == "LOCAL_ROOT").Sum);
        Assert.Equal(0, Points("Fault").Single(p => p.Tags["aws.span.kind"] as string == "LOCAL_ROOT").Sum);
        Assert.Equal(0, Points("Error").Single(p => p.Tags["aws.span.kind"] as string == "CLIENT").Sum);
        Assert.Equal(1, Points("Fault").Single(p => p.Tags["aws.span.kind"] as string == "CLIENT").Sum);

        var exportedClient = Assert.Single(_exported, a => a.Kind == ActivityKind.Client);
        Assert.Equal("users:8080", exportedClient.GetTagItem("aws.remote.service"));
        Assert.Equal("GET /orders/{id}", exportedClient.GetTagItem("aws.local.operation"));
        Assert.Equal("LOCAL_ROOT", Assert.Single(_exported, a => a.Kind == ActivityKind.Server).GetTagItem("aws.span.kind"));
    }

    [Fact]
    public void Processor_ErrorStatusWithoutHttpStatus_IsAFault()
    {
        using (var provider = TracerProvider(new AlwaysOnSampler()))
        {
            using (var job = _source.StartActivity("job", ActivityKind.Internal)!)
            {
                job.SetStatus(ActivityStatusCode.Error, "boom");
            }

            provider.ForceFlush();
        }

        Assert.Equal(1, Points("Fault").Single().Sum);
        Assert.Equal(0, Points("Error").Single().Sum);
    }

    [Fact]
    public void Processor_SpansTheSamplerDrops_AreMeasuredButNotExported()
    {
        using (var provider = TracerProvider(new RecordOnlySampler(new AlwaysOffSampler())))
        {
            for (var i = 0; i < 3; i++)
            {
                using var server = _source.StartActivity("GET /a", ActivityKind.Server)!;
                Assert.True(server.IsAllDataRequested);
                Assert.False(server.Recorded);
                server.SetTag("http.request.method", "GET");
                server.SetTag("http.route", "/a");
            }

            provider.ForceFlush();
        }

        Assert.Empty(_exported);
        Assert.Equal(3, Points("Latency").Single().Count);
    }

    [Fact]
    public void RecordOnlySampler_SampledDecision_IsKept()
    {
        var sampler = new RecordOnlySampler(new AlwaysOnSampler());
        var result = sampler.ShouldSample(new SamplingParameters(default, ActivityTraceId.CreateRandom(), "x", ActivityKind.Server));
        Assert.Equal(SamplingDecision.RecordAndSample, result.Decision);
        Assert.Equal(SamplingDecision.RecordOnly, new RecordOnlySampler(new AlwaysOffSampler()).ShouldSample(new SamplingParameters(default, ActivityTraceId.CreateRandom(), "x", ActivityKind.Server)).Decision);
    }

    [Fact]
    public void Processor_CachedDimensions_RecordingASpanAllocatesNothing()
    {
        using var provider = TracerProvider(new AlwaysOnSampler());
        var processor = _processor!;
        using var server = _source.StartActivity("GET /orders/{id}", ActivityKind.Server)!;
        server.SetTag("http.request.method", "GET");
        server.SetTag("http.route", "/orders/{id}");
        server.SetTag("http.response.status_code", 200);
        using var client = _source.StartActivity("DynamoDB.GetItem", ActivityKind.Client)!;
        client.SetTag("rpc.system", "aws-api");
        client.SetTag("rpc.service", "DynamoDB");
        client.SetTag("rpc.method", "GetItem");
        client.SetTag("aws.dynamodb.table_names", new[] { "orders" });

        void Once()
        {
            processor.Record(server, processor.Generator.Service(server), processor.Generator.Dependency(server));
            processor.Record(client, processor.Generator.Service(client), processor.Generator.Dependency(client));
        }

        for (var i = 0; i < 100; i++)
        {
            Once();
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1000; i++)
        {
            Once();
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void AwsSettings_Defaults_AreOffWithTheCloudWatchAgentEndpoint()
    {
        var settings = AwsSettings.Load(new DictionaryEnvironment(new Dictionary<string, string?>()));
        Assert.False(settings.ApplicationSignalsEnabled);
        Assert.Equal(new Uri("http://localhost:4316/v1/metrics"), settings.ApplicationSignalsEndpoint);
        Assert.Empty(settings.OperationPaths);
        Assert.Empty(settings.Problems);
    }

    [Fact]
    public void AwsSettings_InvalidValues_AreProblemsAndDefaultsAreKept()
    {
        var settings = AwsSettings.Load(new DictionaryEnvironment(new Dictionary<string, string?>
        {
            ["OTEL_AWS_APPLICATION_SIGNALS_ENABLED"] = "yes",
            ["OTEL_AWS_APPLICATION_SIGNALS_EXPORTER_ENDPOINT"] = "localhost:4316",
            ["OTEL_AWS_HTTP_OPERATION_PATHS"] = "/users/{id}, orders/{id}",
        }));

        Assert.False(settings.ApplicationSignalsEnabled);
        Assert.Equal(new Uri("http://localhost:4316/v1/metrics"), settings.ApplicationSignalsEndpoint);
        Assert.Equal(["/users/{id}"], settings.OperationPaths);
        Assert.Equal(3, settings.Problems.Count);
        Assert.Contains(settings.Problems, p => p.Contains("OTEL_AWS_APPLICATION_SIGNALS_ENABLED='yes'", StringComparison.Ordinal));
    }

    private ApplicationSignalsProcessor? _processor;

    private TracerProvider TracerProvider(Sampler sampler)
    {
        _processor = new ApplicationSignalsProcessor(
            new ApplicationSignalsGenerator("orders"),
            name => _meterProvider = Sdk.CreateMeterProviderBuilder()
                .AddMeter(name)
                .AddView(i => i.Meter.Name == name ? new Base2ExponentialBucketHistogramConfiguration() : null)
                .AddInMemoryExporter(_metrics, reader => reader.TemporalityPreference = MetricReaderTemporalityPreference.Delta)
                .Build(),
            _meterName);

        return Sdk.CreateTracerProviderBuilder()
            .AddSource(_source.Name)
            .SetSampler(sampler)
            .AddProcessor(_processor)
            .AddInMemoryExporter(_exported)
            .Build()!;
    }

    private List<(IReadOnlyDictionary<string, object?> Tags, double Sum, long Count)> Points(string name)
    {
        var result = new List<(IReadOnlyDictionary<string, object?>, double, long)>();
        foreach (var metric in _metrics.Where(m => m.Name == name))
        {
            foreach (var point in metric.MetricPoints)
            {
                var tags = new Dictionary<string, object?>();
                foreach (var tag in point.Tags)
                {
                    tags[tag.Key] = tag.Value;
                }

                result.Add((tags, point.GetHistogramSum(), point.GetHistogramCount()));
            }
        }

        return result;
    }
}
