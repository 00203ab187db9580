// Per-span sampling and id code the agent owns: ShouldSample runs for every span the
// instrumentations start (sampled or not), the trace id generator for every root span. The
// SDK's own samplers and the runtime's random trace id are the reference rows.
using System.Diagnostics;
using BenchmarkDotNet.Attributes;
using CloudWatchApm.Agent.Aws.ApplicationSignals;
using CloudWatchApm.Agent.Aws.XRay;
using OpenTelemetry.Trace;

namespace CloudWatchApm.Agent.Benchmarks.Micro;

[MemoryDiagnoser]
public class SamplerBenchmarks : IDisposable
{
    private readonly KeyValuePair<string, object?>[] _tags =
    [
        new("http.request.method", "GET"),
        new("url.path", "/orders/42"),
        new("server.address", "orders.example.com"),
        new("url.scheme", "http"),
    ];

    private ParentBasedSampler _sdkParentBased = null!;
    private ParentBasedSampler _sdkRatio = null!;
    private XRayParentBasedSampler _xrayParentBased = null!;
    private XRayRemoteSampler _remote = null!;
    private RecordOnlySampler _recordOnly = null!;
    private XRayIdGenerator _ids = null!;
    private ActivityTraceId _traceId;
    private ActivityContext _sampledParent;
    private ActivityContext _undecidedParent;

    [GlobalSetup]
    public void Setup()
    {
        _sdkParentBased = new ParentBasedSampler(new AlwaysOnSampler());
        _sdkRatio = new ParentBasedSampler(new TraceIdRatioBasedSampler(0.1));
        _xrayParentBased = new XRayParentBasedSampler(new AlwaysOnSampler());
        _recordOnly = new RecordOnlySampler(new ParentBasedSampler(new TraceIdRatioBasedSampler(0.1)));
        _ids = new XRayIdGenerator(XRayClock.Default);
        _traceId = ActivityTraceId.CreateFromString("5759e988bd862e3fe1be46a994272793");
        _sampledParent = new ActivityContext(_traceId, ActivitySpanId.CreateFromString("53995c3f42cd8ad8"), ActivityTraceFlags.Recorded, isRemote: true);
        if (!XRayPropagator.TryParse("Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=?", out _undecidedParent))
        {
            throw new InvalidOperationException("the undecided X-Ray header did not parse");
        }

        // Rules as X-Ray sends them: a specific one and the catch-all Default; no polling.
        _remote = new XRayRemoteSampler(
            new XRayRemoteSamplerOptions(),
            XRaySamplerResource.Empty,
            warn: null,
            httpClient: null,
            XRayClock.Default,
            startPolling: false,
            XRayRemoteSampler.DefaultRequestTimeout);
        _remote.ApplyRules(
            [
                new XRaySamplingRule("health", priority: 1, fixedRate: 0, reservoirSize: 0, httpMethod: "GET", urlPath: "/health"),
                new XRaySamplingRule("orders", priority: 10, fixedRate: 0.05, reservoirSize: 1, httpMethod: "GET", urlPath: "/orders/*"),
                new XRaySamplingRule("Default", priority: 10000, fixedRate: 0.05, reservoirSize: 1),
            ],
            DateTimeOffset.UtcNow);
    }

    [Benchmark(Description = "SDK ParentBased(AlwaysOn), root span (reference)")]
    public SamplingResult SdkParentBasedRoot() => _sdkParentBased.ShouldSample(Root());

    [Benchmark(Description = "SDK ParentBased(TraceIdRatio 0.1), root span (reference)")]
    public SamplingResult SdkRatioRoot() => _sdkRatio.ShouldSample(Root());

    [Benchmark(Description = "XRayParentBasedSampler, root span")]
    public SamplingResult XRayParentBasedRoot() => _xrayParentBased.ShouldSample(Root());

    [Benchmark(Description = "XRayParentBasedSampler, sampled remote parent")]
    public SamplingResult XRayParentBasedSampledParent() => _xrayParentBased.ShouldSample(
        new SamplingParameters(_sampledParent, _traceId, "GET /orders/{id}", ActivityKind.Server, _tags));

    [Benchmark(Description = "XRayParentBasedSampler, X-Ray parent with Sampled=?")]
    public SamplingResult XRayParentBasedUndecided() => _xrayParentBased.ShouldSample(
        new SamplingParameters(_undecidedParent, _traceId, "GET /orders/{id}", ActivityKind.Server, _tags));

    [Benchmark(Description = "XRayRemoteSampler, rule match (2nd of 3 rules)")]
    public SamplingResult XRayRemote() => _remote.ShouldSample(Root());

    [Benchmark(Description = "RecordOnlySampler (Application Signals) over ParentBased(ratio 0.1)")]
    public SamplingResult RecordOnly() => _recordOnly.ShouldSample(Root());

    [Benchmark(Description = "ActivityTraceId.CreateRandom (reference)")]
    public ActivityTraceId RandomTraceId() => ActivityTraceId.CreateRandom();

    [Benchmark(Description = "XRayIdGenerator.NewTraceId")]
    public ActivityTraceId XRayTraceId() => _ids.NewTraceId();

    [GlobalCleanup]
    public void Dispose()
    {
        _remote?.Dispose();
        _xrayParentBased?.Dispose();
        _recordOnly?.Dispose();
        GC.SuppressFinalize(this);
    }

    private SamplingParameters Root() => new(default, _traceId, "GET /orders/{id}", ActivityKind.Server, _tags);
}
