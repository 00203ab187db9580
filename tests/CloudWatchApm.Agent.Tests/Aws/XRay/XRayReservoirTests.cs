using CloudWatchApm.Agent.Aws.XRay;
using OpenTelemetry.Trace;
using Xunit;
using static CloudWatchApm.Agent.Tests.Aws.XRay.XRaySamplingTestData;

namespace CloudWatchApm.Agent.Tests.Aws.XRay;

public class XRayReservoirTests
{
    private static readonly DateTimeOffset Start = FakeClock.DefaultStart;

    [Fact]
    public void XRayRuleState_NoTargetYet_BorrowsOnePerSecond()
    {
        var state = new XRayRuleState(new XRaySamplingRule("r", 1, 0.0, 10));

        Assert.Equal(SamplingDecision.RecordAndSample, state.Sample(NeverInRate, Start));
        Assert.Equal(SamplingDecision.Drop, state.Sample(NeverInRate, Start.AddMilliseconds(500)));
        Assert.Equal(SamplingDecision.RecordAndSample, state.Sample(NeverInRate, Start.AddSeconds(1)));

        var statistics = state.TakeStatistics();
        Assert.Equal(new XRaySamplingStatistics("r", 3, 2, 2), statistics);
        Assert.Equal(new XRaySamplingStatistics("r", 0, 0, 0), state.TakeStatistics());
    }

    [Fact]
    public void XRayRuleState_ZeroReservoir_NeverBorrows()
    {
        var state = new XRayRuleState(new XRaySamplingRule("r", 1, 0.0, 0));

        Assert.Equal(SamplingDecision.Drop, state.Sample(NeverInRate, Start));
    }

    [Fact]
    public void XRayRuleState_TargetQuota_TakesQuotaPerSecondUntilTtl()
    {
        var state = new XRayRuleState(new XRaySamplingRule("r", 1, 0.0, 10));
        state.ApplyTarget(new XRaySamplingTarget("r", 0.0, 3, Start.AddSeconds(10), null), Start);

        var firstSecond = Enumerable.Range(0, 5).Select(i => state.Sample(NeverInRate, Start.AddMilliseconds(i * 100))).ToList();
        var nextSecond = Enumerable.Range(0, 5).Select(i => state.Sample(NeverInRate, Start.AddSeconds(1).AddMilliseconds(i * 100))).ToList();
        var afterTtl = Enumerable.Range(0, 3).Select(i => state.Sample(NeverInRate, Start.AddSeconds(11).AddMilliseconds(i * 100))).ToList();

        Assert.Equal(3, firstSecond.Count(d => d == SamplingDecision.RecordAndSample));
        Assert.Equal(3, nextSecond.Count(d => d == SamplingDecision.RecordAndSample));
        Assert.Equal(1, afterTtl.Count(d => d == SamplingDecision.RecordAndSample));
        Assert.Equal(1, state.TakeStatistics().BorrowCount);
    }

    [Fact]
    public void XRayRuleState_ZeroQuotaTarget_StopsBorrowing()
    {
        var state = new XRayRuleState(new XRaySamplingRule("r", 1, 0.0, 10));
        state.ApplyTarget(new XRaySamplingTarget("r", 0.0, 0, Start.AddSeconds(10), null), Start);

        Assert.Equal(SamplingDecision.Drop, state.Sample(NeverInRate, Start));
    }

    [Theory]
    [InlineData(1.0, true, true)]
    [InlineData(0.0, false, false)]
    [InlineData(0.5, true, false)]
    public void XRayRuleState_AfterReservoir_FixedRateDecidesByTraceId(double rate, bool lowIdSampled, bool highIdSampled)
    {
        var state = new XRayRuleState(new XRaySamplingRule("r", 1, rate, 0));

        Assert.Equal(lowIdSampled, state.Sample(AlwaysInRate, Start) == SamplingDecision.RecordAndSample);
        Assert.Equal(highIdSampled, state.Sample(NeverInRate, Start) == SamplingDecision.RecordAndSample);
    }

    [Fact]
    public void XRayRuleState_TargetFixedRate_ReplacesRuleRate()
    {
        var state = new XRayRuleState(new XRaySamplingRule("r", 1, 0.0, 0));
        state.ApplyTarget(new XRaySamplingTarget("r", 1.0, null, null, null), Start);

        Assert.Equal(SamplingDecision.RecordAndSample, state.Sample(NeverInRate, Start));
    }

    [Fact]
    public void XRayRatio_HalfRate_SamplesAboutHalfOfRandomIds()
    {
        var sampled = 0;
        for (var i = 0; i < 20_000; i++)
        {
            if (XRayRatio.IsSampled(System.Diagnostics.ActivityTraceId.CreateRandom(), 0.5))
            {
                sampled++;
            }
        }

        Assert.InRange(sampled, 9_000, 11_000);
    }

    [Fact]
    public void XRayRemoteSampler_NoRules_FallsBackToOnePerSecondPlusFivePercent()
    {
        var clock = new FakeClock(Start);
        using var sampler = OfflineSampler(clock);

        Assert.True(sampler.IsUsingFallback);
        Assert.Equal(SamplingDecision.RecordAndSample, sampler.ShouldSample(Span(NeverInRate)).Decision);
        Assert.Equal(SamplingDecision.Drop, sampler.ShouldSample(Span(NeverInRate)).Decision);
        Assert.Equal(SamplingDecision.RecordAndSample, sampler.ShouldSample(Span(AlwaysInRate)).Decision);
        Assert.Equal(SamplingDecision.RecordAndSample, sampler.ShouldSample(Span(TraceIdWithLowBits(0x0CCC_0000_0000_0000))).Decision);
        Assert.Equal(SamplingDecision.Drop, sampler.ShouldSample(Span(TraceIdWithLowBits(0x0DDD_0000_0000_0000))).Decision);

        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(SamplingDecision.RecordAndSample, sampler.ShouldSample(Span(NeverInRate)).Decision);
    }

    [Fact]
    public void XRayRemoteSampler_RulesOlderThanAnHour_FallsBack()
    {
        var clock = new FakeClock(Start);
        using var sampler = OfflineSampler(clock);
        sampler.ApplyRules([new XRaySamplingRule("Default", 10000, 0.0, 0)], clock.UtcNow);
        Assert.False(sampler.IsUsingFallback);
        Assert.Equal(SamplingDecision.Drop, sampler.ShouldSample(Span(NeverInRate)).Decision);

        clock.Advance(TimeSpan.FromMinutes(61));

        Assert.True(sampler.IsUsingFallback);
        Assert.Equal(SamplingDecision.RecordAndSample, sampler.ShouldSample(Span(NeverInRate)).Decision);
    }

    [Fact]
    public void XRayRemoteSampler_UnchangedRuleRefreshed_KeepsQuotaAndCounts()
    {
        var clock = new FakeClock(Start);
        using var sampler = OfflineSampler(clock);
        sampler.ApplyRules([new XRaySamplingRule("Default", 10000, 0.0, 5)], clock.UtcNow);
        sampler.ShouldSample(Span(NeverInRate));

        sampler.ApplyRules([new XRaySamplingRule("Default", 10000, 0.0, 5)], clock.UtcNow.AddSeconds(1));

        // Borrowed this second already: the same state object is still in use.
        Assert.Equal(SamplingDecision.Drop, sampler.ShouldSample(Span(NeverInRate)).Decision);
    }

    [Fact]
    public void XRayRemoteSampler_ChangedRuleRefreshed_NewStateKeepsCounts()
    {
        var clock = new FakeClock(Start);
        using var sampler = OfflineSampler(clock);
        sampler.ApplyRules([new XRaySamplingRule("Default", 10000, 0.0, 5)], clock.UtcNow);
        sampler.ShouldSample(Span(NeverInRate));

        sampler.ApplyRules([new XRaySamplingRule("Default", 10000, 1.0, 5)], clock.UtcNow);

        Assert.Equal(1.0, Assert.Single(sampler.ActiveRules).FixedRate);
        Assert.Equal(SamplingDecision.RecordAndSample, sampler.ShouldSample(Span(NeverInRate)).Decision);
    }

    [Fact]
    public void XRayRemoteSampler_ThrowingTags_DropsInsteadOfThrowing()
    {
        var clock = new FakeClock(Start);
        using var sampler = OfflineSampler(clock);
        sampler.ApplyRules([new XRaySamplingRule("Default", 10000, 1.0, 5)], clock.UtcNow);
        var parameters = new SamplingParameters(default, AlwaysInRate, "request", System.Diagnostics.ActivityKind.Server, ThrowingTags());

        var result = sampler.ShouldSample(parameters);

        Assert.Equal(SamplingDecision.Drop, result.Decision);
    }

    [Fact]
    public void XRayRemoteSampler_ShouldSampleWithRules_AllocatesNothing()
    {
        var clock = new FakeClock(Start);
        using var sampler = OfflineSampler(clock);
        sampler.ApplyRules(
            [
                new XRaySamplingRule("tenant", 1, 0.5, 1, attributes: [new("tenant", "gold")]),
                new XRaySamplingRule("orders", 2, 0.5, 1, httpMethod: "POST", urlPath: "/orders/*"),
                new XRaySamplingRule("Default", 10000, 0.05, 1),
            ],
            clock.UtcNow);
        var parameters = Span(NeverInRate, ("http.request.method", "GET"), ("url.path", "/orders/1"), ("server.address", "shop"), ("tenant", "silver"));
        sampler.ShouldSample(parameters);

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 100; i++)
        {
            sampler.ShouldSample(parameters);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void XRayRemoteSampler_CreateWithBadArgument_WarnsAndStillSamples()
    {
        // Polling starts for real (against a closed loopback port), so warnings arrive from timer threads too.
        var warnings = new System.Collections.Concurrent.ConcurrentQueue<string>();

        using var sampler = XRayRemoteSampler.Create("endpoint=http://127.0.0.1:9/,polling_interval=soon", resource: null, warnings.Enqueue);

        Assert.Contains(warnings, w => w.Contains("polling_interval", StringComparison.Ordinal));
        Assert.Equal(SamplingDecision.RecordAndSample, sampler.ShouldSample(Span(NeverInRate)).Decision);
    }

    [Fact]
    public void XRayParentBasedSampler_Disposed_DisposesRemoteRoot()
    {
        var sampler = OfflineSampler(new FakeClock(Start));
        var wrapper = new XRayParentBasedSampler(sampler);

        wrapper.Dispose();

        // A disposed remote sampler does not poll any more; a refresh is a no-op.
        Assert.True(sampler.RefreshRulesAsync().IsCompletedSuccessfully);
        Assert.Equal(0, sampler.RulesFailures);
    }

    private static IEnumerable<KeyValuePair<string, object?>> ThrowingTags()
    {
        yield return new("url.path", "/");
        throw new InvalidOperationException("broken tags");
    }
}
