using System.Diagnostics;
using CloudWatchApm.Agent.Aws.XRay;
using OpenTelemetry;
using OpenTelemetry.Context.Propagation;
using OpenTelemetry.Trace;
using Xunit;

namespace CloudWatchApm.Agent.Tests.Aws.XRay;

public class XRayParentBasedSamplerTests
{
    private const string Root = "1-5759e988-bd862e3fe1be46a994272793";
    private const string Parent = "53995c3f42cd8ad8";

    [Theory]
    [InlineData(true, SamplingDecision.RecordAndSample)]
    [InlineData(false, SamplingDecision.Drop)]
    public void XRayParentBasedSampler_UndecidedParent_RootSamplerDecides(bool rootSamples, SamplingDecision expected)
    {
        var sampler = new XRayParentBasedSampler(rootSamples ? new AlwaysOnSampler() : new AlwaysOffSampler());
        var parent = Extract($"Root={Root};Parent={Parent};Sampled=?;Lineage=1:2");

        var result = sampler.ShouldSample(Parameters(parent));

        Assert.Equal(expected, result.Decision);
        Assert.Equal("xray=Lineage~1:2", result.TraceStateString);
    }

    [Fact]
    public void XRayParentBasedSampler_RootOnlyHeader_RootSamplerDecides()
    {
        var sampler = new XRayParentBasedSampler(new AlwaysOnSampler());

        var result = sampler.ShouldSample(Parameters(Extract($"Root={Root}")));

        Assert.Equal(SamplingDecision.RecordAndSample, result.Decision);
        Assert.Equal(string.Empty, result.TraceStateString);
    }

    [Fact]
    public void XRayParentBasedSampler_ParentSampledZero_Drops()
    {
        var sampler = new XRayParentBasedSampler(new AlwaysOnSampler());

        var result = sampler.ShouldSample(Parameters(Extract($"Root={Root};Parent={Parent};Sampled=0")));

        Assert.Equal(SamplingDecision.Drop, result.Decision);
    }

    [Fact]
    public void XRayParentBasedSampler_ParentSampledOne_Samples()
    {
        var sampler = new XRayParentBasedSampler(new AlwaysOffSampler());

        var result = sampler.ShouldSample(Parameters(Extract($"Root={Root};Parent={Parent};Sampled=1")));

        Assert.Equal(SamplingDecision.RecordAndSample, result.Decision);
    }

    [Fact]
    public void XRayParentBasedSampler_MarkerLeakedToNextHop_ParentFlagDecides()
    {
        var sampler = new XRayParentBasedSampler(new AlwaysOnSampler());
        var upstream = Extract($"Root={Root};Parent={Parent}");
        var nextHop = new ActivityContext(upstream.TraceId, ActivitySpanId.CreateRandom(), ActivityTraceFlags.None, upstream.TraceState, isRemote: true);

        var result = sampler.ShouldSample(Parameters(nextHop));

        Assert.Equal(SamplingDecision.Drop, result.Decision);
    }

    [Fact]
    public void XRayParentBasedSampler_WithTracerProvider_UndecidedRequestSampledAndLineageInjected()
    {
        var sourceName = "XRayTests." + Guid.NewGuid().ToString("N");
        using var source = new ActivitySource(sourceName);
        using var provider = Sdk.CreateTracerProviderBuilder()
            .AddSource(sourceName)
            .SetSampler(new XRayParentBasedSampler(new AlwaysOnSampler()))
            .Build();
        var parent = Extract($"Root={Root};Lineage=a87bd80c:1");

        using var activity = source.StartActivity("request", ActivityKind.Server, parent);

        Assert.NotNull(activity);
        Assert.True(activity.Recorded);
        Assert.Equal("xray=Lineage~a87bd80c:1", activity.TraceStateString);
        Assert.True(XRayPropagator.IsSyntheticParent(activity.TraceId, activity.ParentSpanId));

        var carrier = new Dictionary<string, string>();
        new XRayPropagator().Inject(new PropagationContext(activity.Context, default), carrier, static (c, k, v) => c[k] = v);
        Assert.Equal($"Root={Root};Parent={activity.SpanId.ToHexString()};Sampled=1;Lineage=a87bd80c:1", carrier[XRayPropagator.HeaderName]);
    }

    private static SamplingParameters Parameters(ActivityContext parent)
        => new(parent, parent.TraceId != default ? parent.TraceId : ActivityTraceId.CreateRandom(), "request", ActivityKind.Server);

    private static ActivityContext Extract(string header)
    {
        Assert.True(XRayPropagator.TryParse(header, out var context));
        return context;
    }
}
