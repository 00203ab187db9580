using System.Collections.Specialized;
using System.Diagnostics;
using CloudWatchApm.Agent.Aws.XRay;
using OpenTelemetry.Context.Propagation;
using Xunit;

namespace CloudWatchApm.Agent.Tests.Aws.XRay;

public class XRayPropagatorTests
{
    private const string TraceHex = "5759e988bd862e3fe1be46a994272793";
    private const string Root = "1-5759e988-bd862e3fe1be46a994272793";
    private const string Parent = "53995c3f42cd8ad8";
    private const string SyntheticParent = "e1be46a994272793";

    private static readonly XRayPropagator Propagator = new();

    public static TheoryData<string, string, bool, bool> ValidHeaders => new()
    {
        // header, expected parent span, sampled, undecided
        { $"Root={Root};Parent={Parent};Sampled=1", Parent, true, false },
        { $"Root={Root};Parent={Parent};Sampled=0", Parent, false, false },
        { $"Sampled=1;Parent={Parent};Root={Root}", Parent, true, false },
        { $"root={Root};PARENT={Parent};sampled=1", Parent, true, false },
        { $"  Root = {Root} ;\tParent={Parent} ;  Sampled=1 ; ", Parent, true, false },
        { $"Root=1-5759E988-BD862E3FE1BE46A994272793;Parent=53995C3F42CD8AD8;Sampled=1", Parent, true, false },
        { $"Root={Root};Parent={Parent};Sampled=1;Foo=bar;Self=1-67891233-abcdef012345678912345678", Parent, true, false },
        { $"Root={Root};Parent={Parent};Sampled=?", Parent, false, true },
        { $"Root={Root};Parent={Parent}", Parent, false, true },
        { $"Root={Root}", SyntheticParent, false, true },
        { $"Root={Root};Sampled=1", SyntheticParent, true, false },
        { $"Root={Root};Sampled=0", SyntheticParent, false, false },
        { $"Root={Root};;Parent={Parent};novalue;Sampled=1", Parent, true, false },
    };

    public static TheoryData<string> InvalidHeaders => new()
    {
        string.Empty,
        "   ",
        "garbage",
        $"Parent={Parent};Sampled=1",
        $"Root=2-5759e988-bd862e3fe1be46a994272793;Parent={Parent};Sampled=1",
        $"Root=1-5759e988-bd862e3fe1be46a99427279;Parent={Parent};Sampled=1",
        $"Root=1-5759e988-bd862e3fe1be46a9942727933;Parent={Parent};Sampled=1",
        $"Root=1-5759e98-8bd862e3fe1be46a994272793;Parent={Parent};Sampled=1",
        $"Root=1-5759e98g-bd862e3fe1be46a994272793;Parent={Parent};Sampled=1",
        $"Root=1x5759e988xbd862e3fe1be46a994272793;Parent={Parent};Sampled=1",
        $"Root=15759e988bd862e3fe1be46a994272793;Parent={Parent};Sampled=1",
        $"Root=1-00000000-000000000000000000000000;Parent={Parent};Sampled=1",
        $"Root={Root};Parent=53995c3f42cd8ad;Sampled=1",
        $"Root={Root};Parent=53995c3f42cd8ad80;Sampled=1",
        $"Root={Root};Parent=53995c3f42cd8adz;Sampled=1",
        $"Root={Root};Parent=0000000000000000;Sampled=1",
        $"Root={Root};Parent={Parent};Sampled=2",
        $"Root={Root};Parent={Parent};Sampled=yes",
        $"Root={Root};Parent={Parent};Sampled=",
        $"Root=;Parent={Parent};Sampled=1",
    };

    [Theory]
    [MemberData(nameof(ValidHeaders))]
    public void XRayPropagator_ValidHeader_ExtractsContext(string header, string parentSpan, bool sampled, bool undecided)
    {
        var context = Extract(header).ActivityContext;

        Assert.Equal(TraceHex, context.TraceId.ToHexString());
        Assert.Equal(parentSpan, context.SpanId.ToHexString());
        Assert.True(context.IsRemote);
        Assert.Equal(sampled ? ActivityTraceFlags.Recorded : ActivityTraceFlags.None, context.TraceFlags);
        Assert.Equal(undecided, XRayPropagator.IsUndecided(context));
    }

    [Theory]
    [MemberData(nameof(InvalidHeaders))]
    public void XRayPropagator_InvalidHeader_ExtractsNothing(string header)
    {
        var extracted = Extract(header);

        Assert.Equal(default, extracted.ActivityContext);
    }

    [Fact]
    public void XRayPropagator_NoHeader_ExtractsNothing()
    {
        var extracted = Propagator.Extract(default, new Dictionary<string, string>(), Getter);

        Assert.Equal(default, extracted.ActivityContext);
    }

    [Fact]
    public void XRayPropagator_ContextAlreadyValid_ReturnsItUnchanged()
    {
        var existing = new ActivityContext(ActivityTraceId.CreateRandom(), ActivitySpanId.CreateRandom(), ActivityTraceFlags.Recorded, isRemote: true);
        var carrier = Carrier($"Root={Root};Parent={Parent};Sampled=0");

        var extracted = Propagator.Extract(new PropagationContext(existing, default), carrier, Getter);

        Assert.Equal(existing, extracted.ActivityContext);
    }

    [Fact]
    public void XRayPropagator_SeveralHeaderValues_UsesFirstNonEmpty()
    {
        var values = new[] { " ", $"Root={Root};Parent={Parent};Sampled=1", "Root=1-00000000-000000000000000000000000" };

        var extracted = Propagator.Extract(default, values, static (carrier, _) => carrier);

        Assert.Equal(Parent, extracted.ActivityContext.SpanId.ToHexString());
    }

    [Fact]
    public void XRayPropagator_ThrowingGetter_ExtractsNothing()
    {
        var extracted = Propagator.Extract(default, new object(), static (_, _) => throw new InvalidOperationException("boom"));

        Assert.Equal(default, extracted.ActivityContext);
    }

    [Fact]
    public void XRayPropagator_LineageAndVendorKeys_CarriedInTraceState()
    {
        var context = Extract($"Root={Root};Parent={Parent};Sampled=1;Lineage=a87bd80c:1|68fd508a:5;Vendor=x y").ActivityContext;

        Assert.Equal("xray=Lineage~a87bd80c:1|68fd508a:5;Vendor~x y", context.TraceState);
    }

    [Fact]
    public void XRayPropagator_SampledAndNoExtras_HasNoTraceState()
    {
        var context = Extract($"Root={Root};Parent={Parent};Sampled=1").ActivityContext;

        Assert.Null(context.TraceState);
    }

    [Fact]
    public void XRayPropagator_ExtraValueTooLongOrInvalid_DroppedButContextKept()
    {
        var longValue = new string('a', 300);
        var context = Extract($"Root={Root};Parent={Parent};Sampled=1;Big={longValue};Comma=a,b;Lineage=1:2").ActivityContext;

        Assert.Equal(Parent, context.SpanId.ToHexString());
        Assert.Equal("xray=Lineage~1:2", context.TraceState);
    }

    [Fact]
    public void XRayPropagator_ParseValidHeader_AllocatesOnlyTheIds()
    {
        var header = $"Root={Root};Parent={Parent};Sampled=1".AsSpan();
        XRayPropagator.TryParse(header, out _);

        var before = GC.GetAllocatedBytesForCurrentThread();
        XRayPropagator.TryParse(header, out var context);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        // The two hex strings ActivityTraceId and ActivitySpanId keep (about 150 bytes); nothing of ours.
        Assert.True(context.TraceId != default);
        Assert.InRange(allocated, 0, 200);
    }

    [Fact]
    public void XRayPropagator_InjectAfterExtract_RoundTripsLineage()
    {
        var remote = Extract($"Root={Root};Parent={Parent};Sampled=1;Lineage=a87bd80c:1|68fd508a:5").ActivityContext;
        var child = new ActivityContext(remote.TraceId, ActivitySpanId.CreateFromString("1122334455667788"), ActivityTraceFlags.Recorded, remote.TraceState);
        var carrier = new Dictionary<string, string>();

        Propagator.Inject(new PropagationContext(child, default), carrier, Setter);

        Assert.Equal($"Root={Root};Parent=1122334455667788;Sampled=1;Lineage=a87bd80c:1|68fd508a:5", carrier[XRayPropagator.HeaderName]);
        var again = Extract(carrier[XRayPropagator.HeaderName]).ActivityContext;
        Assert.Equal(child.TraceId, again.TraceId);
        Assert.Equal(child.SpanId, again.SpanId);
        Assert.Equal(remote.TraceState, again.TraceState);
    }

    [Fact]
    public void XRayPropagator_TraceStateFromElsewhere_CannotRewriteRootOrParent()
    {
        var traceState = "xray=Root~1-11111111-111111111111111111111111;parent~0000000000000001;Bad~a=b;Lineage~1:2";
        var context = new ActivityContext(ActivityTraceId.CreateFromString(TraceHex), ActivitySpanId.CreateFromString(Parent), ActivityTraceFlags.Recorded, traceState);
        var carrier = new Dictionary<string, string>();

        Propagator.Inject(new PropagationContext(context, default), carrier, Setter);

        Assert.Equal($"Root={Root};Parent={Parent};Sampled=1;Lineage=1:2", carrier[XRayPropagator.HeaderName]);
    }

    [Fact]
    public void XRayPropagator_InjectUnsampled_WritesSampledZero()
    {
        var context = new ActivityContext(ActivityTraceId.CreateFromString(TraceHex), ActivitySpanId.CreateFromString(Parent), ActivityTraceFlags.None);
        var carrier = new Dictionary<string, string>();

        Propagator.Inject(new PropagationContext(context, default), carrier, Setter);

        Assert.Equal($"Root={Root};Parent={Parent};Sampled=0", carrier[XRayPropagator.HeaderName]);
    }

    [Fact]
    public void XRayPropagator_InjectWithUndecidedMarker_DoesNotWriteMarker()
    {
        var remote = Extract($"Root={Root};Lineage=1:2").ActivityContext;
        var carrier = new Dictionary<string, string>();

        Propagator.Inject(new PropagationContext(remote, default), carrier, Setter);

        Assert.Equal($"Root={Root};Parent={SyntheticParent};Sampled=0;Lineage=1:2", carrier[XRayPropagator.HeaderName]);
    }

    [Fact]
    public void XRayPropagator_InjectInvalidContext_WritesNothing()
    {
        var carrier = new Dictionary<string, string>();

        Propagator.Inject(default, carrier, Setter);

        Assert.Empty(carrier);
    }

    [Fact]
    public void XRayPropagator_HttpRequestWithHeader_NotOverwritten()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "http://example.invalid/");
        request.Headers.TryAddWithoutValidation("x-amzn-trace-id", "Root=1-11111111-111111111111111111111111");

        Propagator.Inject(new PropagationContext(SampledContext(), default), request, static (r, k, v) => r.Headers.TryAddWithoutValidation(k, v));

        Assert.Equal(["Root=1-11111111-111111111111111111111111"], request.Headers.GetValues(XRayPropagator.HeaderName));
    }

    [Fact]
    public void XRayPropagator_HttpRequestWithoutHeader_Injected()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "http://example.invalid/");

        Propagator.Inject(new PropagationContext(SampledContext(), default), request, static (r, k, v) => r.Headers.TryAddWithoutValidation(k, v));

        Assert.StartsWith($"Root={Root};", Assert.Single(request.Headers.GetValues(XRayPropagator.HeaderName)), StringComparison.Ordinal);
    }

    [Fact]
    public void XRayPropagator_CaseSensitiveDictionaryWithHeader_NotOverwritten()
    {
        var carrier = new Dictionary<string, string>(StringComparer.Ordinal) { ["x-amzn-trace-id"] = "existing" };

        Propagator.Inject(new PropagationContext(SampledContext(), default), carrier, Setter);

        Assert.Single(carrier);
        Assert.Equal("existing", carrier["x-amzn-trace-id"]);
    }

    [Fact]
    public void XRayPropagator_NameValueCollectionWithHeader_NotOverwritten()
    {
        var carrier = new NameValueCollection { ["X-AMZN-TRACE-ID"] = "existing" };

        Propagator.Inject(new PropagationContext(SampledContext(), default), carrier, static (c, k, v) => c[k] = v);

        Assert.Equal("existing", carrier[XRayPropagator.HeaderName]);
    }

    [Fact]
    public void XRayPropagator_GetterOverloadSeesHeader_NotOverwritten()
    {
        var carrier = new List<KeyValuePair<string, string>> { new("X-Amzn-Trace-Id", "existing") };

        Propagator.Inject(
            new PropagationContext(SampledContext(), default),
            carrier,
            static (c, k, v) => c.Add(new(k, v)),
            static (c, k) => c.Where(p => string.Equals(p.Key, k, StringComparison.OrdinalIgnoreCase)).Select(p => p.Value));

        Assert.Single(carrier);
    }

    [Fact]
    public void XRayPropagator_GetterOverloadWithoutHeader_Injects()
    {
        var carrier = new List<KeyValuePair<string, string>>();

        Propagator.Inject(
            new PropagationContext(SampledContext(), default),
            carrier,
            static (c, k, v) => c.Add(new(k, v)),
            static (c, k) => c.Where(p => p.Key == k).Select(p => p.Value));

        Assert.Equal(XRayPropagator.HeaderName, Assert.Single(carrier).Key);
    }

    [Fact]
    public void XRayPropagator_CarrierProbeSaysPresent_NotOverwritten()
    {
        var probe = new XRayPropagator(static (carrier, name) => carrier is List<string> list && list.Contains(name));
        var carrier = new List<string> { XRayPropagator.HeaderName };

        probe.Inject(new PropagationContext(SampledContext(), default), carrier, static (c, k, v) => c.Add(v));

        Assert.Single(carrier);
    }

    [Fact]
    public void XRayPropagator_Fields_NameTheHeader()
    {
        Assert.Contains(XRayPropagator.HeaderName, Propagator.Fields);
    }

    [Fact]
    public void XRayPropagator_RootOnlyHeader_ParentIsSynthetic()
    {
        var rootOnly = Extract($"Root={Root};Sampled=1").ActivityContext;
        var withParent = Extract($"Root={Root};Parent={Parent};Sampled=1").ActivityContext;

        Assert.True(XRayPropagator.IsSyntheticParent(rootOnly.TraceId, rootOnly.SpanId));
        Assert.False(XRayPropagator.IsSyntheticParent(withParent.TraceId, withParent.SpanId));
    }

    [Fact]
    public void XRayPropagator_UndecidedMarkerForAnotherSpan_IsIgnored()
    {
        var remote = Extract($"Root={Root};Parent={Parent}").ActivityContext;
        var nextHop = new ActivityContext(remote.TraceId, ActivitySpanId.CreateFromString("1122334455667788"), ActivityTraceFlags.None, remote.TraceState, isRemote: true);

        Assert.True(XRayPropagator.IsUndecided(remote));
        Assert.False(XRayPropagator.IsUndecided(nextHop));
    }

    [Fact]
    public void XRayPropagator_RemoveUndecidedMarker_KeepsOtherMembersAndPairs()
    {
        var result = XRayPropagator.RemoveUndecidedMarker("vendor=1, xray=Lineage~1:2;_d~53995c3f42cd8ad8 ,other=x");

        Assert.Equal("vendor=1,xray=Lineage~1:2,other=x", result);
        Assert.Equal(string.Empty, XRayPropagator.RemoveUndecidedMarker("xray=_d~53995c3f42cd8ad8"));
        Assert.Equal(string.Empty, XRayPropagator.RemoveUndecidedMarker(" , "));
        Assert.Equal("a=1,b=2", XRayPropagator.RemoveUndecidedMarker("a=1,xray=;_d~53995c3f42cd8ad8;,b=2"));
        Assert.Equal("xray=_dx~1;Self~2", XRayPropagator.RemoveUndecidedMarker("xray=_dx~1;_d~53995c3f42cd8ad8;Self~2"));
    }

    [Fact]
    public void XRayPropagator_RemoveUndecidedMarker_WritesOnlyTheResult()
    {
        const string MarkerOnly = "xray=_d~53995c3f42cd8ad8";
        const string Unchanged = "vendor=1,xray=Lineage~1:2";
        XRayPropagator.RemoveUndecidedMarker(MarkerOnly);

        var before = GC.GetAllocatedBytesForCurrentThread();
        Assert.Equal(string.Empty, XRayPropagator.RemoveUndecidedMarker(MarkerOnly));
        Assert.Same(Unchanged, XRayPropagator.RemoveUndecidedMarker(Unchanged));
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);

        var longState = "vendor=" + new string('v', 600) + ",xray=Lineage~1:2;_d~53995c3f42cd8ad8";
        Assert.Equal("vendor=" + new string('v', 600) + ",xray=Lineage~1:2", XRayPropagator.RemoveUndecidedMarker(longState));
    }

    private static ActivityContext SampledContext()
        => new(ActivityTraceId.CreateFromString(TraceHex), ActivitySpanId.CreateFromString(Parent), ActivityTraceFlags.Recorded);

    private static PropagationContext Extract(string header) => Propagator.Extract(default, Carrier(header), Getter);

    private static Dictionary<string, string> Carrier(string header)
        => new(StringComparer.OrdinalIgnoreCase) { [XRayPropagator.HeaderName] = header };

    private static IEnumerable<string>? Getter(Dictionary<string, string> carrier, string name)
        => carrier.TryGetValue(name, out var value) ? [value] : null;

    private static void Setter(Dictionary<string, string> carrier, string name, string value) => carrier[name] = value;
}
