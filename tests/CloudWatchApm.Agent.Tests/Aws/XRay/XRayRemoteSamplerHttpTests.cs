using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using CloudWatchApm.Agent.Aws.XRay;
using OpenTelemetry;
using OpenTelemetry.Trace;
using Xunit;
using static CloudWatchApm.Agent.Tests.Aws.XRay.XRaySamplingTestData;

namespace CloudWatchApm.Agent.Tests.Aws.XRay;

public class XRayRemoteSamplerHttpTests
{
    private const string RulesJson = """
        {"SamplingRuleRecords":[
          {"SamplingRule":{"RuleName":"Default","RuleARN":"arn:aws:xray:eu-west-1:123456789012:sampling-rule/Default","ResourceARN":"*",
            "Priority":10000,"FixedRate":0.0,"ReservoirSize":1,"ServiceName":"*","ServiceType":"*","Host":"*","HTTPMethod":"*",
            "URLPath":"*","Version":1,"Attributes":{}},"CreatedAt":0.0,"ModifiedAt":1700000000.0},
          {"SamplingRule":{"RuleName":"orders","RuleARN":"arn:aws:xray:eu-west-1:123456789012:sampling-rule/orders","ResourceARN":"*",
            "Priority":1,"FixedRate":0.0,"ReservoirSize":10,"ServiceName":"checkout","ServiceType":"AWS::EC2::Instance","Host":"*",
            "HTTPMethod":"POST","URLPath":"/orders*","Version":1,"Attributes":{"tenant":"gold"}},"CreatedAt":1700000000,"ModifiedAt":1700000000}
        ]}
        """;

    private static readonly XRaySamplerResource Checkout = new("checkout", "AWS::EC2::Instance", string.Empty);

    private static readonly (string, object?)[] OrderTags =
        [("http.request.method", "POST"), ("url.path", "/orders/42"), ("tenant", "gold")];

    [Fact]
    public async Task XRayRemoteSampler_ServerAnswersRules_RulesActiveInPriorityOrder()
    {
        using var server = new MockXRayServer(r => r.Path == "GetSamplingRules" ? new MockResponse(200, RulesJson) : null);
        using var sampler = Sampler(server, new FakeClock(FakeClock.DefaultStart));

        await sampler.RefreshRulesAsync();

        Assert.Equal(["orders", "Default"], sampler.ActiveRules.Select(r => r.RuleName));
        Assert.False(sampler.IsUsingFallback);
        var request = Assert.Single(server.Requests);
        Assert.Equal("POST", request.Method);
        Assert.Equal("{}", request.Body);
        Assert.StartsWith("application/json", request.Headers["Content-Type"], StringComparison.Ordinal);
        Assert.False(request.Headers.ContainsKey("traceparent"));
        Assert.False(request.Headers.ContainsKey(XRayPropagator.HeaderName));
    }

    [Fact]
    public async Task XRayRemoteSampler_RulesOnTwoPages_FollowsNextToken()
    {
        using var server = new MockXRayServer(r => r.Body.Contains("page2", StringComparison.Ordinal)
            ? new MockResponse(200, """{"SamplingRuleRecords":[{"SamplingRule":{"RuleName":"second","Priority":5,"FixedRate":0.1,"ReservoirSize":1,"Version":1}}]}""")
            : new MockResponse(200, """{"SamplingRuleRecords":[{"SamplingRule":{"RuleName":"first","Priority":1,"FixedRate":0.1,"ReservoirSize":1,"Version":1}}],"NextToken":"page2"}"""));
        using var sampler = Sampler(server, new FakeClock(FakeClock.DefaultStart));

        await sampler.RefreshRulesAsync();

        Assert.Equal(["first", "second"], sampler.ActiveRules.Select(r => r.RuleName));
        Assert.Equal("""{"NextToken":"page2"}""", server.Requests.Last().Body);
    }

    [Fact]
    public async Task XRayRemoteSampler_ReportStatistics_SendsCountsAndAppliesQuota()
    {
        var clock = new FakeClock(FakeClock.DefaultStart);
        var ttl = FakeClock.DefaultStart.AddSeconds(60).ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var targetsJson = $$"""
            {"SamplingTargetDocuments":[{"RuleName":"orders","FixedRate":0.0,"ReservoirQuota":2,"ReservoirQuotaTTL":{{ttl}},"Interval":10}],
             "LastRuleModification":1700000000,"UnprocessedStatistics":[]}
            """;
        using var server = new MockXRayServer(r => new MockResponse(200, r.Path == "GetSamplingRules" ? RulesJson : targetsJson));
        using var sampler = Sampler(server, clock);
        await sampler.RefreshRulesAsync();
        var beforeTarget = Enumerable.Range(0, 3).Select(_ => sampler.ShouldSample(Span(NeverInRate, OrderTags)).Decision).ToList();

        await sampler.ReportStatisticsAsync();

        Assert.Equal(1, beforeTarget.Count(d => d == SamplingDecision.RecordAndSample));
        var report = server.Requests.Single(r => r.Path == "SamplingTargets");
        using var json = JsonDocument.Parse(report.Body);
        var documents = json.RootElement.GetProperty("SamplingStatisticsDocuments").EnumerateArray().ToList();
        var orders = documents.Single(d => d.GetProperty("RuleName").GetString() == "orders");
        Assert.Equal(3, orders.GetProperty("RequestCount").GetInt32());
        Assert.Equal(1, orders.GetProperty("SampledCount").GetInt32());
        Assert.Equal(1, orders.GetProperty("BorrowCount").GetInt32());
        Assert.Equal(sampler.ClientId, orders.GetProperty("ClientID").GetString());
        Assert.Matches("^[0-9a-f]{24}$", sampler.ClientId);
        Assert.Equal(FakeClock.DefaultStart.ToUnixTimeSeconds(), orders.GetProperty("Timestamp").GetInt64());
        Assert.Contains(documents, d => d.GetProperty("RuleName").GetString() == "Default" && d.GetProperty("RequestCount").GetInt32() == 0);

        clock.Advance(TimeSpan.FromSeconds(1));
        var withQuota = Enumerable.Range(0, 4).Select(_ => sampler.ShouldSample(Span(NeverInRate, OrderTags)).Decision).ToList();
        Assert.Equal(2, withQuota.Count(d => d == SamplingDecision.RecordAndSample));
    }

    [Fact]
    public async Task XRayRemoteSampler_RuleModifiedAfterFetch_RefetchesRules()
    {
        var clock = new FakeClock(FakeClock.DefaultStart);
        var modified = FakeClock.DefaultStart.AddSeconds(5).ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        using var server = new MockXRayServer(r => new MockResponse(
            200,
            r.Path == "GetSamplingRules" ? RulesJson : "{\"SamplingTargetDocuments\":[],\"LastRuleModification\":" + modified + "}"));
        using var sampler = Sampler(server, clock);
        await sampler.RefreshRulesAsync();

        await sampler.ReportStatisticsAsync();

        Assert.Equal(2, server.CountPath("GetSamplingRules"));
    }

    [Fact]
    public async Task XRayRemoteSampler_UnprocessedStatistics_WarnsAndCounts()
    {
        var warnings = new ConcurrentQueue<string>();
        using var server = new MockXRayServer(r => new MockResponse(
            200,
            r.Path == "GetSamplingRules"
                ? RulesJson
                : """{"SamplingTargetDocuments":[],"UnprocessedStatistics":[{"RuleName":"orders","ErrorCode":"400","Message":"Unknown rule"}]}"""));
        using var sampler = Sampler(server, new FakeClock(FakeClock.DefaultStart), warnings);
        await sampler.RefreshRulesAsync();

        await sampler.ReportStatisticsAsync();

        Assert.Equal(1, sampler.UnprocessedStatisticsCount);
        Assert.Contains(warnings, w => w.Contains("orders", StringComparison.Ordinal) && w.Contains("Unknown rule", StringComparison.Ordinal));
    }

    [Fact]
    public async Task XRayRemoteSampler_ServerErrors_CountedWarnedOnceThenRecovery()
    {
        var warnings = new ConcurrentQueue<string>();
        var status = 500;
        using var server = new MockXRayServer(_ => new MockResponse(Volatile.Read(ref status), RulesJson));
        using var sampler = Sampler(server, new FakeClock(FakeClock.DefaultStart), warnings);

        await sampler.RefreshRulesAsync();
        await sampler.RefreshRulesAsync();

        Assert.Equal(2, sampler.RulesFailures);
        Assert.Contains("500", Assert.Single(warnings), StringComparison.Ordinal);
        Assert.True(sampler.IsUsingFallback);

        Volatile.Write(ref status, 200);
        await sampler.RefreshRulesAsync();

        Assert.Equal(2, warnings.Count);
        Assert.Contains("works again after 2", warnings.Last(), StringComparison.Ordinal);
        Assert.False(sampler.IsUsingFallback);
    }

    [Fact]
    public async Task XRayRemoteSampler_TargetsFail_CountsKeptForNextReport()
    {
        var failTargets = true;
        using var server = new MockXRayServer(r => r.Path == "GetSamplingRules"
            ? new MockResponse(200, RulesJson)
            : Volatile.Read(ref failTargets) ? new MockResponse(503, "{}") : new MockResponse(200, "{}"));
        using var sampler = Sampler(server, new FakeClock(FakeClock.DefaultStart));
        await sampler.RefreshRulesAsync();
        sampler.ShouldSample(Span(NeverInRate, OrderTags));

        await sampler.ReportStatisticsAsync();
        Volatile.Write(ref failTargets, false);
        await sampler.ReportStatisticsAsync();

        Assert.Equal(1, sampler.TargetsFailures);
        using var json = JsonDocument.Parse(server.Requests.Last(r => r.Path == "SamplingTargets").Body);
        var orders = json.RootElement.GetProperty("SamplingStatisticsDocuments").EnumerateArray().Single(d => d.GetProperty("RuleName").GetString() == "orders");
        Assert.Equal(1, orders.GetProperty("RequestCount").GetInt32());
    }

    [Fact]
    public async Task XRayRemoteSampler_MalformedJson_CountedAsFailure()
    {
        using var server = new MockXRayServer(_ => new MockResponse(200, "{not json"));
        using var sampler = Sampler(server, new FakeClock(FakeClock.DefaultStart));

        await sampler.RefreshRulesAsync();

        Assert.Equal(1, sampler.RulesFailures);
        Assert.True(sampler.IsUsingFallback);
    }

    [Fact]
    public async Task XRayRemoteSampler_InvalidRuleEveryPoll_WarnedOnceOthersApplied()
    {
        var warnings = new ConcurrentQueue<string>();
        using var server = new MockXRayServer(_ => new MockResponse(
            200,
            """{"SamplingRuleRecords":[{"SamplingRule":{"RuleName":"bad","Priority":1,"FixedRate":7,"ReservoirSize":1,"Version":1}},{"SamplingRule":{"RuleName":"v2","Priority":1,"FixedRate":0.1,"ReservoirSize":1,"Version":2}},{"SamplingRule":{"RuleName":"good","Priority":2,"FixedRate":0.1,"ReservoirSize":1,"Version":1}}]}"""));
        using var sampler = Sampler(server, new FakeClock(FakeClock.DefaultStart), warnings);

        await sampler.RefreshRulesAsync();
        await sampler.RefreshRulesAsync();

        Assert.Equal(["good"], sampler.ActiveRules.Select(r => r.RuleName));
        Assert.Equal(2, warnings.Count);
        Assert.Contains(warnings, w => w.Contains("'bad'", StringComparison.Ordinal));
        Assert.Contains(warnings, w => w.Contains("'v2'", StringComparison.Ordinal));
    }

    [Fact]
    public async Task XRayRemoteSampler_ServerNeverAnswers_FallsBackWithoutBlocking()
    {
        var warnings = new ConcurrentQueue<string>();
        using var server = new MockXRayServer(_ => null);
        using var sampler = Sampler(server, new FakeClock(FakeClock.DefaultStart), warnings, TimeSpan.FromMilliseconds(300));

        var refresh = sampler.RefreshRulesAsync();
        var decision = sampler.ShouldSample(Span(NeverInRate)).Decision;
        var finished = await Task.WhenAny(refresh, Task.Delay(TimeSpan.FromSeconds(10)));

        Assert.Same(refresh, finished);
        Assert.Equal(SamplingDecision.RecordAndSample, decision);
        Assert.True(sampler.IsUsingFallback);
        Assert.Equal(1, sampler.RulesFailures);
        Assert.Contains("no answer", Assert.Single(warnings), StringComparison.Ordinal);
    }

    [Fact]
    public void XRayRemoteSampler_PollingAgainstSilentServer_ShouldSampleAndDisposeStayFast()
    {
        var warnings = new ConcurrentQueue<string>();
        using var server = new MockXRayServer(_ => null);
        var options = new XRayRemoteSamplerOptions { Endpoint = server.Endpoint };
        var sampler = new XRayRemoteSampler(options, Checkout, warnings.Enqueue, httpClient: null, XRayClock.Default, startPolling: true, TimeSpan.FromSeconds(30));
        Assert.True(SpinWait.SpinUntil(() => server.CountPath("GetSamplingRules") == 1, TimeSpan.FromSeconds(10)));

        var watch = Stopwatch.StartNew();
        for (var i = 0; i < 1000; i++)
        {
            sampler.ShouldSample(Span(ActivityTraceId.CreateRandom(), OrderTags));
        }

        var sampling = watch.Elapsed;
        watch.Restart();
        sampler.Dispose();
        var disposing = watch.Elapsed;

        Assert.True(sampling < TimeSpan.FromSeconds(2), $"1000 decisions took {sampling}");
        Assert.True(disposing < TimeSpan.FromSeconds(2), $"Dispose took {disposing}");
        Thread.Sleep(200);
        Assert.Empty(warnings);
    }

    [Fact]
    public void XRayRemoteSampler_PollingStarted_FetchesRulesSoonAfterStart()
    {
        using var server = new MockXRayServer(r => new MockResponse(200, r.Path == "GetSamplingRules" ? RulesJson : "{}"));
        var options = new XRayRemoteSamplerOptions { Endpoint = server.Endpoint };
        using var sampler = new XRayRemoteSampler(options, Checkout, warn: null, httpClient: null, XRayClock.Default, startPolling: true, TimeSpan.FromSeconds(5));

        Assert.True(SpinWait.SpinUntil(() => sampler.ActiveRules.Count == 2, TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task XRayRemoteSampler_InjectedHttpClient_CallsRunWithInstrumentationSuppressed()
    {
        using var server = new MockXRayServer(r => new MockResponse(200, RulesJson));
        var handler = new RecordingHandler();
        using var http = new HttpClient(handler);
        var options = new XRayRemoteSamplerOptions { Endpoint = server.Endpoint };
        using var sampler = new XRayRemoteSampler(options, Checkout, warn: null, http, new FakeClock(FakeClock.DefaultStart), startPolling: false, TimeSpan.FromSeconds(5));

        await sampler.RefreshRulesAsync();

        Assert.Equal([true], handler.SuppressedAtSend);
        Assert.Equal(new Uri(server.Endpoint, "GetSamplingRules"), handler.Uris.Single());
        Assert.False(Sdk.SuppressInstrumentation);
    }

    [Fact]
    public async Task XRayRemoteSampler_UnderTracerProvider_PollsCreateNoSpans()
    {
        using var server = new MockXRayServer(r => new MockResponse(200, RulesJson));
        var port = server.Endpoint.Port;
        var ended = new ConcurrentQueue<Activity>();
        using var provider = Sdk.CreateTracerProviderBuilder()
            .AddSource("System.Net.Http")
            .SetSampler(new AlwaysOnSampler())
            .AddProcessor(new RecordingProcessor(ended))
            .Build();
        using var sampler = Sampler(server, new FakeClock(FakeClock.DefaultStart));

        await sampler.RefreshRulesAsync();
        Assert.Equal(2, sampler.ActiveRules.Count);
        var fromPolls = ended.Count(a => Equals(a.GetTagItem("server.port"), port));

        // Control: an ordinary request to the same server is traced, so the setup can see spans.
        using (var http = new HttpClient())
        {
            using var content = new StringContent("{}");
            using var response = await http.PostAsync(new Uri(server.Endpoint, "GetSamplingRules"), content);
        }

        Assert.Equal(0, fromPolls);
        Assert.True(SpinWait.SpinUntil(() => ended.Any(a => Equals(a.GetTagItem("server.port"), port)), TimeSpan.FromSeconds(5)));
    }

    private static XRayRemoteSampler Sampler(MockXRayServer server, XRayClock clock, ConcurrentQueue<string>? warnings = null, TimeSpan? timeout = null)
        => new(
            new XRayRemoteSamplerOptions { Endpoint = server.Endpoint },
            Checkout,
            warnings is null ? null : warnings.Enqueue,
            httpClient: null,
            clock,
            startPolling: false,
            timeout ?? TimeSpan.FromSeconds(5));

    private sealed class RecordingHandler : DelegatingHandler
    {
        internal RecordingHandler()
            : base(new SocketsHttpHandler())
        {
        }

        internal ConcurrentQueue<bool> SuppressedAtSend { get; } = new();

        internal ConcurrentQueue<Uri> Uris { get; } = new();

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            SuppressedAtSend.Enqueue(Sdk.SuppressInstrumentation);
            Uris.Enqueue(request.RequestUri!);
            return base.SendAsync(request, cancellationToken);
        }
    }

    private sealed class RecordingProcessor : BaseProcessor<Activity>
    {
        private readonly ConcurrentQueue<Activity> _ended;

        internal RecordingProcessor(ConcurrentQueue<Activity> ended)
        {
            _ended = ended;
        }

        public override void OnEnd(Activity data) => _ended.Enqueue(data);
    }
}
