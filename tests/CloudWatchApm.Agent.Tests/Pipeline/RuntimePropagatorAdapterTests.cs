// The adapter between the runtime's propagation (HttpClient, ASP.NET Core) and the configured
// OpenTelemetry propagators: what it writes and reads, in which order, and that the default
// W3C path allocates nothing per request.
using System.Diagnostics;
using CloudWatchApm.Agent.Pipeline;
using CloudWatchApm.Agent.Pipeline.Propagators;
using OpenTelemetry;
using Xunit;

namespace CloudWatchApm.Agent.Tests.Pipeline;

public sealed class RuntimePropagatorAdapterTests
{
    private const string TraceId = "80f198ee56343ba864fe8b2a57d3eff7";
    private const string SpanId = "e457b5a2e4d86bd1";
    private const string B3TraceId = "463ac35c9f6413ad48485a3953bb6124";
    private const string B3SpanId = "0020000000000001";

    private static RuntimePropagatorAdapter Adapter(params string[] names) => new(Propagation.Create(names, out _));

    internal static void Set(object? carrier, string key, string value) => ((Dictionary<string, string>)carrier!)[key] = value;

    internal static void Get(object? carrier, string key, out string? value, out IEnumerable<string>? values)
    {
        values = null;
        value = ((Dictionary<string, string>)carrier!).TryGetValue(key, out var v) ? v : null;
    }

    private static Activity W3CActivity(string? traceState = null)
    {
        var activity = new Activity("test").SetIdFormat(ActivityIdFormat.W3C);
        activity.ActivityTraceFlags = ActivityTraceFlags.Recorded;
        activity.TraceStateString = traceState;
        return activity.Start();
    }

    [Fact]
    public void Inject_Default_WritesTheActivityIdAsTraceparentAndItsTracestate()
    {
        using var activity = W3CActivity("vendor=1");
        var headers = new Dictionary<string, string>();
        Adapter("tracecontext", "baggage").Inject(activity, headers, Set);
        Assert.Equal("00-" + activity.TraceId.ToHexString() + "-" + activity.SpanId.ToHexString() + "-01", headers["traceparent"]);
        Assert.Equal("vendor=1", headers["tracestate"]);
        Assert.False(headers.ContainsKey("baggage"));
    }

    [Fact]
    public void Inject_BaggageSet_WritesTheBaggageHeader()
    {
        using var activity = W3CActivity();
        var previous = Baggage.Current;
        try
        {
            Baggage.Current = Baggage.Create(new Dictionary<string, string> { ["tenant"] = "acme" });
            var headers = new Dictionary<string, string>();
            Adapter("tracecontext", "baggage").Inject(activity, headers, Set);
            Assert.Equal("tenant=acme", headers["baggage"]);
        }
        finally
        {
            Baggage.Current = previous;
        }
    }

    [Fact]
    public void Inject_NonePropagators_WritesNothing()
    {
        using var activity = W3CActivity();
        var headers = new Dictionary<string, string>();
        Adapter().Inject(activity, headers, Set);
        Assert.Empty(headers);
    }

    [Fact]
    public void Inject_W3CAndB3_WritesBoth()
    {
        using var activity = W3CActivity();
        var headers = new Dictionary<string, string>();
        Adapter("tracecontext", "b3").Inject(activity, headers, Set);
        Assert.StartsWith("00-" + activity.TraceId.ToHexString(), headers["traceparent"], StringComparison.Ordinal);
        Assert.Equal(activity.TraceId.ToHexString() + "-" + activity.SpanId.ToHexString() + "-1", headers["b3"]);
    }

    [Fact]
    public void Extract_Traceparent_IsReturnedAsSentWithJoinedTracestate()
    {
        var headers = new Dictionary<string, string> { ["traceparent"] = $"00-{TraceId}-{SpanId}-01" };
        string? traceState = "x";
        Adapter("tracecontext", "baggage").ExtractTraceIdAndState(headers, Get, out var traceId, out traceState);
        Assert.Equal($"00-{TraceId}-{SpanId}-01", traceId);
        Assert.Null(traceState);

        Adapter("tracecontext").ExtractTraceIdAndState(headers, static (object? c, string key, out string? value, out IEnumerable<string>? values) =>
        {
            value = key == "traceparent" ? $"00-{TraceId}-{SpanId}-00" : null;
            values = key == "tracestate" ? ["a=1", "b=2"] : null;
        }, out traceId, out traceState);
        Assert.Equal($"00-{TraceId}-{SpanId}-00", traceId);
        Assert.Equal("a=1,b=2", traceState);
    }

    [Theory]
    [InlineData(new[] { "tracecontext", "b3" }, TraceId)]
    [InlineData(new[] { "b3", "tracecontext" }, B3TraceId)]
    [InlineData(new[] { "baggage", "b3", "tracecontext" }, B3TraceId)]
    public void Extract_BothHeaders_FirstNamedPropagatorWins(string[] names, string expectedTraceId)
    {
        var headers = new Dictionary<string, string>
        {
            ["traceparent"] = $"00-{TraceId}-{SpanId}-01",
            ["b3"] = $"{B3TraceId}-{B3SpanId}-1",
        };
        Adapter(names).ExtractTraceIdAndState(headers, Get, out var traceId, out _);
        Assert.Equal(expectedTraceId, traceId!.Split('-')[1]);
    }

    [Fact]
    public void Extract_OnlyB3WithTraceContextFirst_FallsBackToB3()
    {
        var headers = new Dictionary<string, string> { ["b3"] = $"{B3TraceId}-{B3SpanId}-0" };
        Adapter("tracecontext", "b3").ExtractTraceIdAndState(headers, Get, out var traceId, out _);
        Assert.Equal($"00-{B3TraceId}-{B3SpanId}-00", traceId);
    }

    [Fact]
    public void ExtractBaggage_OnlyWhenSentAndConfigured()
    {
        var with = new Dictionary<string, string> { ["baggage"] = "tenant=acme,plan=gold" };
        var baggage = Adapter("tracecontext", "baggage").ExtractBaggage(with, Get);
        Assert.Equal(["plan=gold", "tenant=acme"], baggage!.Select(b => b.Key + "=" + b.Value).Order());
        Assert.Null(Adapter("tracecontext", "baggage").ExtractBaggage(new Dictionary<string, string>(), Get));
        Assert.Null(Adapter("tracecontext").ExtractBaggage(with, Get));
    }

    [Theory]
    [InlineData(ActivityTraceFlags.Recorded, "01")]
    [InlineData(ActivityTraceFlags.None, "00")]
    public void TraceParent_MatchesTheW3CForm(ActivityTraceFlags flags, string expectedFlags)
    {
        for (var i = 0; i < 50; i++)
        {
            var traceId = ActivityTraceId.CreateRandom();
            var spanId = ActivitySpanId.CreateRandom();
            Assert.Equal($"00-{traceId.ToHexString()}-{spanId.ToHexString()}-{expectedFlags}", RuntimePropagatorAdapter.TraceParent(traceId, spanId, flags));
        }
    }

    [Fact]
    public void DefaultPropagators_InjectAndExtractAllocateNothingPerRequest()
    {
        var adapter = Adapter("tracecontext", "baggage");
        using var activity = W3CActivity("vendor=1");
        _ = activity.Id;
        var outgoing = new Dictionary<string, string> { ["traceparent"] = string.Empty, ["tracestate"] = string.Empty };
        var incoming = new Dictionary<string, string> { ["traceparent"] = $"00-{TraceId}-{SpanId}-01", ["tracestate"] = "vendor=1" };
        DistributedContextPropagator.PropagatorSetterCallback set = Set;
        DistributedContextPropagator.PropagatorGetterCallback get = Get;

        void Once()
        {
            adapter.Inject(activity, outgoing, set);
            adapter.ExtractTraceIdAndState(incoming, get, out _, out _);
            _ = adapter.ExtractBaggage(incoming, get);
        }

        Once();
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 100; i++)
        {
            Once();
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}

/// <summary>
/// The stand-in an app built in the background gets before its Main: the runtime's own
/// propagation until the agent's adapter exists, the configured propagators from then on.
/// </summary>
public sealed class DeferredRuntimePropagatorTests
{
    [Fact]
    public void BeforeTheAdapter_ItPropagatesLikeTheRuntime_AfterIt_LikeTheConfiguredPropagators()
    {
        var deferred = new DeferredRuntimePropagator(DistributedContextPropagator.CreateDefaultPropagator());
        using var activity = new Activity("test").SetIdFormat(ActivityIdFormat.W3C).Start();

        var before = new Dictionary<string, string>();
        deferred.Inject(activity, before, RuntimePropagatorAdapterTests.Set);
        Assert.Equal(activity.Id, before["traceparent"]);
        Assert.DoesNotContain("b3", before.Keys);
        Assert.Contains("traceparent", deferred.Fields);

        deferred.Inner = new RuntimePropagatorAdapter(Propagation.Create(["b3"], out _));
        var after = new Dictionary<string, string>();
        deferred.Inject(activity, after, RuntimePropagatorAdapterTests.Set);
        Assert.Equal($"{activity.TraceId.ToHexString()}-{activity.SpanId.ToHexString()}-0", after["b3"]);
        Assert.DoesNotContain("traceparent", after.Keys);
        Assert.Contains("b3", deferred.Fields);
        Assert.DoesNotContain("traceparent", deferred.Fields);

        deferred.ExtractTraceIdAndState(new Dictionary<string, string> { ["b3"] = "463ac35c9f6413ad48485a3953bb6124-0020000000000001-1" }, RuntimePropagatorAdapterTests.Get, out var traceId, out _);
        Assert.Equal("00-463ac35c9f6413ad48485a3953bb6124-0020000000000001-01", traceId);
    }

    [Fact]
    public void Install_MakesItCurrent_ForwardingToThePropagatorThatWasCurrent()
    {
        var previous = DistributedContextPropagator.Current;
        try
        {
            var deferred = DeferredRuntimePropagator.Install();
            Assert.Same(deferred, DistributedContextPropagator.Current);
            Assert.Same(previous, deferred.Inner);
        }
        finally
        {
            DistributedContextPropagator.Current = previous;
        }
    }
}
