// The agent's span processors write attributes onto every span they see, and on a fresh span
// each new attribute is a new node in the span's tag list. Benchmarks that end the same span
// again and again only replace existing values and hide that cost, so these create, end and
// process a new span each time; the reference rows do the same without the processor, and
// the difference between the two rows is the processor's cost per span.
using System.Diagnostics;
using BenchmarkDotNet.Attributes;
using CloudWatchApm.Agent.Aws.ApplicationSignals;
using CloudWatchApm.Agent.Instrumentation;
using OpenTelemetry.Resources;

namespace CloudWatchApm.Agent.Benchmarks.Micro;

[MemoryDiagnoser]
public class SpanProcessorBenchmarks : IDisposable
{
    private const string Statement = "SELECT id, customer, total FROM orders WHERE id = $1 AND status <> 'deleted' LIMIT 1";

    private ActivitySource _web = null!;
    private ActivitySource _npgsql = null!;
    private ActivityListener _listener = null!;
    private ApplicationSignalsProcessor _signals = null!;
    private LibrarySpanProcessor _library = null!;

    [GlobalSetup]
    public void Setup()
    {
        _web = new ActivitySource("CloudWatchApm.Benchmarks.Web");

        // The name the agent's library processor recognises as Npgsql's own spans.
        _npgsql = new ActivitySource("Npgsql");
        _listener = new ActivityListener
        {
            ShouldListenTo = source => ReferenceEquals(source, _web) || ReferenceEquals(source, _npgsql),
            Sample = static (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
        };
        ActivitySource.AddActivityListener(_listener);

        _signals = new ApplicationSignalsProcessor(
            new ApplicationSignalsGenerator("bench-service"),
            meterName => ApplicationSignalsMetrics.Create(meterName, ResourceBuilder.CreateEmpty(), new Uri("http://127.0.0.1:9/v1/metrics"), 3_600_000, 1_000, configuration: null));
        _library = new LibrarySpanProcessor([InstrumentationCatalog.Npgsql]);

        // Fill the dimension caches once: the steady state is measured.
        _signals.OnEnd(ServerSpan());
        _library.OnEnd(DatabaseSpan());
    }

    [Benchmark(Description = "server span, created and ended (reference)")]
    public Activity Server() => ServerSpan();

    [Benchmark(Description = "server span, created and ended + ApplicationSignalsProcessor.OnEnd")]
    public Activity ServerWithApplicationSignals()
    {
        var span = ServerSpan();
        _signals.OnEnd(span);
        return span;
    }

    [Benchmark(Description = "Npgsql span, created and ended (reference)")]
    public Activity Database() => DatabaseSpan();

    [Benchmark(Description = "Npgsql span, created and ended + LibrarySpanProcessor.OnEnd (SQL sanitised)")]
    public Activity DatabaseWithLibraryProcessor()
    {
        var span = DatabaseSpan();
        _library.OnEnd(span);
        return span;
    }

    [GlobalCleanup]
    public void Dispose()
    {
        _signals?.Dispose();
        _library?.Dispose();
        _listener?.Dispose();
        _web?.Dispose();
        _npgsql?.Dispose();
        GC.SuppressFinalize(this);
    }

    private Activity ServerSpan()
    {
        var span = _web.StartActivity("GET /orders/{id}", ActivityKind.Server)!;
        span.SetTag("http.request.method", "GET");
        span.SetTag("url.path", "/orders/42");
        span.SetTag("http.route", "/orders/{id}");
        span.SetTag("http.response.status_code", 200);
        span.Stop();
        return span;
    }

    private Activity DatabaseSpan()
    {
        // What Npgsql 10 puts on a command span.
        var span = _npgsql.StartActivity("postgres", ActivityKind.Client)!;
        span.SetTag("db.system", "postgresql");
        span.SetTag("db.namespace", "bench");
        span.SetTag("db.query.text", Statement);
        span.SetTag("server.address", "127.0.0.1");
        span.SetTag("server.port", 5432);
        span.Stop();
        return span;
    }
}
