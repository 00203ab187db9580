// The Application Signals span processor runs OnEnd for every span that ends while the
// feature is on (sampled or record-only): it picks the span's dimensions from its caches and
// records Latency, Error and Fault into the real Application Signals MeterProvider (its OTLP
// export never runs during the benchmark: the interval is an hour). The spans are real,
// ended activities of the three kinds a request of the bench app produces.
using System.Diagnostics;
using BenchmarkDotNet.Attributes;
using CloudWatchApm.Agent.Aws.ApplicationSignals;
using OpenTelemetry.Resources;

namespace CloudWatchApm.Agent.Benchmarks.Micro;

[MemoryDiagnoser]
public class ApplicationSignalsBenchmarks : IDisposable
{
    private ActivitySource _source = null!;
    private ActivityListener _listener = null!;
    private ApplicationSignalsProcessor _processor = null!;
    private Activity _server = null!;
    private Activity _http = null!;
    private Activity _database = null!;

    [GlobalSetup]
    public void Setup()
    {
        _source = new ActivitySource("CloudWatchApm.Benchmarks.ApplicationSignals");
        _listener = new ActivityListener
        {
            ShouldListenTo = source => ReferenceEquals(source, _source),
            Sample = static (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
        };
        ActivitySource.AddActivityListener(_listener);

        _processor = new ApplicationSignalsProcessor(
            new ApplicationSignalsGenerator("bench-service"),
            meterName => ApplicationSignalsMetrics.Create(meterName, ResourceBuilder.CreateEmpty(), new Uri("http://127.0.0.1:9/v1/metrics"), 3_600_000, 1_000, configuration: null));

        var previous = Activity.Current;
        _server = _source.StartActivity("GET /orders/{id}", ActivityKind.Server)!;
        _server.SetTag("http.request.method", "GET");
        _server.SetTag("url.path", "/orders/42");
        _server.SetTag("http.route", "/orders/{id}");
        _server.SetTag("http.response.status_code", 200);

        _http = _source.StartActivity("GET", ActivityKind.Client)!;
        _http.SetTag("http.request.method", "GET");
        _http.SetTag("server.address", "127.0.0.1");
        _http.SetTag("server.port", 5300);
        _http.SetTag("url.full", "http://127.0.0.1:5300/prices/42");
        _http.SetTag("http.response.status_code", 200);
        _http.Stop();

        _database = _source.StartActivity("postgres", ActivityKind.Client)!;
        _database.SetTag("db.system.name", "postgresql");
        _database.SetTag("db.system", "postgresql");
        _database.SetTag("db.namespace", "bench");
        _database.SetTag("db.operation.name", "SELECT");
        _database.SetTag("db.query.text", "SELECT id, customer, total FROM orders WHERE id = $1 AND status <> ? LIMIT ?");
        _database.Stop();

        _server.Stop();
        Activity.Current = previous;

        // First calls fill the dimension caches; the benchmark measures the steady state.
        _processor.OnEnd(_server);
        _processor.OnEnd(_http);
        _processor.OnEnd(_database);
    }

    [Benchmark(Description = "ApplicationSignalsProcessor.OnEnd, server span")]
    public void ServerSpan() => _processor.OnEnd(_server);

    [Benchmark(Description = "ApplicationSignalsProcessor.OnEnd, HttpClient span")]
    public void HttpClientSpan() => _processor.OnEnd(_http);

    [Benchmark(Description = "ApplicationSignalsProcessor.OnEnd, PostgreSQL span")]
    public void DatabaseSpan() => _processor.OnEnd(_database);

    [GlobalCleanup]
    public void Dispose()
    {
        _processor?.Dispose();
        _listener?.Dispose();
        _source?.Dispose();
        GC.SuppressFinalize(this);
    }
}
