// B3 in both forms, and the adapter that lets the runtime's own HTTP propagation use them.
using System.Diagnostics;
using CloudWatchApm.Agent.Pipeline.Propagators;
using OpenTelemetry.Context.Propagation;
using Xunit;

namespace CloudWatchApm.Agent.Tests.Pipeline;

public sealed class PropagatorTests
{
    private const string TraceId = "80f198ee56343ba864fe8b2a57d3eff7";
    private const string SpanId = "e457b5a2e4d86bd1";

    private static IEnumerable<string>? Get(Dictionary<string, string> carrier, string key)
        => carrier.TryGetValue(key, out var v) ? [v] : null;

    [Theory]
    [InlineData(TraceId + "-" + SpanId + "-1", true)]
    [InlineData(TraceId + "-" + SpanId + "-d", true)]
    [InlineData(TraceId + "-" + SpanId + "-0", false)]
    [InlineData(TraceId + "-" + SpanId + "-1-05e3ac9a4f6e3b90", true)]
    [InlineData(TraceId + "-" + SpanId, false)]
    public void B3Single_Valid_Extracts(string header, bool sampled)
    {
        var ctx = new ZipkinB3Propagator(true).Extract(default, new Dictionary<string, string> { ["b3"] = header }, Get);
        Assert.Equal(TraceId, ctx.ActivityContext.TraceId.ToHexString());
        Assert.Equal(SpanId, ctx.ActivityContext.SpanId.ToHexString());
        Assert.Equal(sampled, (ctx.ActivityContext.TraceFlags & ActivityTraceFlags.Recorded) != 0);
        Assert.True(ctx.ActivityContext.IsRemote);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("garbage")]
    [InlineData("00000000000000000000000000000000-" + SpanId + "-1")]
    [InlineData(TraceId + "-xyz-1")]
    public void B3Single_Invalid_ExtractsNothing(string header)
        => Assert.Equal(default, new ZipkinB3Propagator(true).Extract(default, new Dictionary<string, string> { ["b3"] = header }, Get).ActivityContext);

    [Fact]
    public void B3Single_UpperCase64BitTraceId_NormalisedWithoutAllocatingMoreThanTheIds()
    {
        var header = " 64FE8B2A57D3EFF7-" + SpanId.ToUpperInvariant() + "-1 ";
        Assert.True(ZipkinB3Propagator.TryParseSingle(header, out _));

        var before = GC.GetAllocatedBytesForCurrentThread();
        Assert.True(ZipkinB3Propagator.TryParseSingle(header, out var parsed));
        var parsing = GC.GetAllocatedBytesForCurrentThread() - before;

        before = GC.GetAllocatedBytesForCurrentThread();
        var ids = new ActivityContext(ActivityTraceId.CreateFromString("000000000000000064fe8b2a57d3eff7"), ActivitySpanId.CreateFromString(SpanId), ActivityTraceFlags.Recorded, isRemote: true);
        var idsOnly = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(ids, parsed);
        Assert.Equal(idsOnly, parsing);
    }

    [Fact]
    public void B3Multi_64BitTraceId_IsLeftPadded()
    {
        var carrier = new Dictionary<string, string> { ["X-B3-TraceId"] = "64fe8b2a57d3eff7", ["X-B3-SpanId"] = SpanId, ["X-B3-Sampled"] = "1" };
        var ctx = new ZipkinB3Propagator(false).Extract(default, carrier, Get);
        Assert.Equal("000000000000000064fe8b2a57d3eff7", ctx.ActivityContext.TraceId.ToHexString());
        Assert.True((ctx.ActivityContext.TraceFlags & ActivityTraceFlags.Recorded) != 0);
    }

    [Fact]
    public void B3_SingleTakesPrecedenceOverMulti()
    {
        var carrier = new Dictionary<string, string> { ["b3"] = TraceId + "-" + SpanId + "-1", ["X-B3-TraceId"] = "1111111111111111", ["X-B3-SpanId"] = "2222222222222222" };
        Assert.Equal(SpanId, new ZipkinB3Propagator(false).Extract(default, carrier, Get).ActivityContext.SpanId.ToHexString());
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void B3_Inject_RoundTrips(bool single)
    {
        var propagator = new ZipkinB3Propagator(single);
        var context = new ActivityContext(ActivityTraceId.CreateFromString(TraceId), ActivitySpanId.CreateFromString(SpanId), ActivityTraceFlags.Recorded);
        var carrier = new Dictionary<string, string>();
        propagator.Inject(new PropagationContext(context, default), carrier, (c, k, v) => c[k] = v);
        Assert.Equal(single, carrier.ContainsKey("b3"));
        Assert.Equal(!single, carrier.ContainsKey("X-B3-TraceId"));
        var back = propagator.Extract(default, carrier, Get);
        Assert.Equal(context.TraceId, back.ActivityContext.TraceId);
        Assert.Equal(context.SpanId, back.ActivityContext.SpanId);
    }

    [Fact]
    public void RuntimeAdapter_InjectsThroughConfiguredPropagator()
    {
        var adapter = new RuntimePropagatorAdapter(new ZipkinB3Propagator(true));
        using var activity = new Activity("test").SetIdFormat(ActivityIdFormat.W3C).Start();
        activity.ActivityTraceFlags = ActivityTraceFlags.Recorded;
        var headers = new Dictionary<string, string>();
        adapter.Inject(activity, headers, (c, k, v) => ((Dictionary<string, string>)c!)[k] = v);
        Assert.Equal(activity.TraceId.ToHexString() + "-" + activity.SpanId.ToHexString() + "-1", headers["b3"]);
    }

    [Fact]
    public void RuntimeAdapter_ExtractsB3AsW3CParent()
    {
        var adapter = new RuntimePropagatorAdapter(new ZipkinB3Propagator(true));
        var headers = new Dictionary<string, string> { ["b3"] = TraceId + "-" + SpanId + "-1" };
        adapter.ExtractTraceIdAndState(headers, (object? c, string name, out string? value, out IEnumerable<string>? values) =>
        {
            values = null;
            value = ((Dictionary<string, string>)c!).TryGetValue(name, out var v) ? v : null;
        }, out var traceParent, out _);
        Assert.Equal("00-" + TraceId + "-" + SpanId + "-01", traceParent);
    }
}
