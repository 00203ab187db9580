// Per-request propagation code the agent owns: B3, X-Ray, and the adapter through which the
// runtime's own HTTP propagation (HttpClient injects, ASP.NET Core extracts, on every request)
// reaches the configured propagators. The carriers, getters and setters allocate nothing
// themselves, so every byte reported is the propagator's. The W3C propagator and the runtime's
// default propagator are the reference rows: what the same work costs without the agent.
using System.Diagnostics;
using BenchmarkDotNet.Attributes;
using CloudWatchApm.Agent.Aws.XRay;
using CloudWatchApm.Agent.Pipeline;
using CloudWatchApm.Agent.Pipeline.Propagators;
using OpenTelemetry.Context.Propagation;

namespace CloudWatchApm.Agent.Benchmarks.Micro;

[MemoryDiagnoser]
public class PropagatorBenchmarks
{
    private static readonly Func<Dictionary<string, string[]>, string, IEnumerable<string>?> Getter =
        static (carrier, key) => carrier.TryGetValue(key, out var values) ? values : null;

    private static readonly Action<Dictionary<string, string>, string, string> Setter =
        static (carrier, key, value) => carrier[key] = value;

    private static readonly DistributedContextPropagator.PropagatorGetterCallback RuntimeGetter = GetRuntime;

    private static readonly DistributedContextPropagator.PropagatorSetterCallback RuntimeSetter = static (carrier, key, value) =>
        ((Dictionary<string, string>)carrier!)[key] = value;

    private readonly Dictionary<string, string> _out = new(StringComparer.OrdinalIgnoreCase);
    private ZipkinB3Propagator _b3Single = null!;
    private ZipkinB3Propagator _b3Multi = null!;
    private XRayPropagator _xray = null!;
    private TraceContextPropagator _w3c = null!;
    private RuntimePropagatorAdapter _adapter = null!;
    private DistributedContextPropagator _runtimeDefault = null!;
    private Dictionary<string, string[]> _b3SingleIn = null!;
    private Dictionary<string, string[]> _b3MultiIn = null!;
    private Dictionary<string, string[]> _xrayIn = null!;
    private Dictionary<string, string[]> _xrayLineageIn = null!;
    private Dictionary<string, string[]> _w3cIn = null!;
    private Dictionary<string, string[]> _noHeaders = null!;
    private PropagationContext _context;
    private Activity _activity = null!;

    [GlobalSetup]
    public void Setup()
    {
        _b3Single = new ZipkinB3Propagator(singleHeader: true);
        _b3Multi = new ZipkinB3Propagator(singleHeader: false);
        _xray = new XRayPropagator();
        _w3c = new TraceContextPropagator();

        // What the agent installs by default (OTEL_PROPAGATORS=tracecontext,baggage).
        _adapter = new RuntimePropagatorAdapter(Propagation.Create(["tracecontext", "baggage"], out _));
        _runtimeDefault = DistributedContextPropagator.CreateDefaultPropagator();

        _b3SingleIn = Carrier(("b3", "80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-1"));
        _b3MultiIn = Carrier(
            ("X-B3-TraceId", "80f198ee56343ba864fe8b2a57d3eff7"),
            ("X-B3-SpanId", "e457b5a2e4d86bd1"),
            ("X-B3-Sampled", "1"));
        _xrayIn = Carrier(("X-Amzn-Trace-Id", "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"));
        _xrayLineageIn = Carrier(("X-Amzn-Trace-Id", "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1;Lineage=a87bd80c:1|68fd508a:5"));
        _w3cIn = Carrier(("traceparent", "00-80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-01"));
        _noHeaders = Carrier();

        _context = new PropagationContext(
            new ActivityContext(ActivityTraceId.CreateFromString("80f198ee56343ba864fe8b2a57d3eff7"), ActivitySpanId.CreateFromString("e457b5a2e4d86bd1"), ActivityTraceFlags.Recorded),
            default);

        var previous = Activity.Current;
        _activity = new Activity("bench");
        _activity.SetIdFormat(ActivityIdFormat.W3C);
        _activity.ActivityTraceFlags = ActivityTraceFlags.Recorded;
        _activity.Start();
        _activity.Stop();
        Activity.Current = previous;
    }

    [Benchmark(Description = "W3C TraceContext extract (reference)")]
    public PropagationContext W3CExtract() => _w3c.Extract(default, _w3cIn, Getter);

    [Benchmark(Description = "W3C TraceContext inject (reference)")]
    public void W3CInject() => _w3c.Inject(_context, _out, Setter);

    [Benchmark(Description = "ZipkinB3Propagator extract, single header")]
    public PropagationContext B3ExtractSingle() => _b3Single.Extract(default, _b3SingleIn, Getter);

    [Benchmark(Description = "ZipkinB3Propagator extract, multi header")]
    public PropagationContext B3ExtractMulti() => _b3Multi.Extract(default, _b3MultiIn, Getter);

    [Benchmark(Description = "ZipkinB3Propagator inject, single header")]
    public void B3InjectSingle() => _b3Single.Inject(_context, _out, Setter);

    [Benchmark(Description = "ZipkinB3Propagator inject, multi header")]
    public void B3InjectMulti() => _b3Multi.Inject(_context, _out, Setter);

    [Benchmark(Description = "XRayPropagator extract")]
    public PropagationContext XRayExtract() => _xray.Extract(default, _xrayIn, Getter);

    [Benchmark(Description = "XRayPropagator extract, with Lineage")]
    public PropagationContext XRayExtractLineage() => _xray.Extract(default, _xrayLineageIn, Getter);

    [Benchmark(Description = "XRayPropagator inject")]
    public void XRayInject()
    {
        // The propagator leaves a header that is already there alone (the AWS SDK's own wins).
        _out.Remove(XRayPropagator.HeaderName);
        _xray.Inject(_context, _out, Setter);
    }

    [Benchmark(Description = "runtime default propagator inject (reference)")]
    public void RuntimeDefaultInject() => _runtimeDefault.Inject(_activity, _out, RuntimeSetter);

    [Benchmark(Description = "RuntimePropagatorAdapter inject (HttpClient, each call)")]
    public void AdapterInject() => _adapter.Inject(_activity, _out, RuntimeSetter);

    [Benchmark(Description = "runtime default propagator extract (reference)")]
    public string? RuntimeDefaultExtract()
    {
        _runtimeDefault.ExtractTraceIdAndState(_w3cIn, RuntimeGetter, out var traceId, out _);
        return traceId;
    }

    [Benchmark(Description = "RuntimePropagatorAdapter extract trace id (ASP.NET Core, each request)")]
    public string? AdapterExtract()
    {
        _adapter.ExtractTraceIdAndState(_w3cIn, RuntimeGetter, out var traceId, out _);
        return traceId;
    }

    [Benchmark(Description = "runtime default propagator extract, no trace headers (reference)")]
    public string? RuntimeDefaultExtractNoHeaders()
    {
        _runtimeDefault.ExtractTraceIdAndState(_noHeaders, RuntimeGetter, out var traceId, out _);
        return traceId;
    }

    [Benchmark(Description = "RuntimePropagatorAdapter extract trace id, no trace headers (ASP.NET Core, each request)")]
    public string? AdapterExtractNoHeaders()
    {
        _adapter.ExtractTraceIdAndState(_noHeaders, RuntimeGetter, out var traceId, out _);
        return traceId;
    }

    [Benchmark(Description = "RuntimePropagatorAdapter extract baggage, none sent (ASP.NET Core, each request)")]
    public object? AdapterExtractBaggage() => _adapter.ExtractBaggage(_w3cIn, RuntimeGetter);

    private static void GetRuntime(object? carrier, string fieldName, out string? fieldValue, out IEnumerable<string>? fieldValues)
    {
        fieldValues = null;
        fieldValue = ((Dictionary<string, string[]>)carrier!).TryGetValue(fieldName, out var values) ? values[0] : null;
    }

    private static Dictionary<string, string[]> Carrier(params (string Key, string Value)[] headers)
    {
        var carrier = new Dictionary<string, string[]>(StringComparer.OrdinalIgnoreCase);
        foreach (var (key, value) in headers)
        {
            carrier[key] = [value];
        }

        return carrier;
    }
}
