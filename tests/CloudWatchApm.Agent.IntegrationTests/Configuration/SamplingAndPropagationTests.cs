// OTEL_TRACES_SAMPLER and OTEL_PROPAGATORS across process boundaries: a ratio of 0 under a
// parent-based sampler keeps only what a sampled caller asked for, and b3 / b3multi carry
// the trace from one instrumented app to another (injected by A's HttpClient, extracted by
// B's ASP.NET Core), with no W3C header on the wire when only b3 is configured.
using System.Text.Json;
using CloudWatchApm.Agent.IntegrationTests.Collector;
using CloudWatchApm.Agent.IntegrationTests.Infrastructure;
using Xunit;

namespace CloudWatchApm.Agent.IntegrationTests.Configuration;

public sealed class SamplingAndPropagationTests
{
    private const string TraceId = "0af7651916cd43dd8448eb211c80319c";
    private const string ParentId = "b7ad6b7169203331";

    public SamplingAndPropagationTests() => TestPaths.RequireAgentHome();

    [Fact]
    public async Task ParentBasedTraceIdRatioZero_DropsRootsKeepsSampledRemoteParents()
    {
        await using var collector = await MockCollector.StartAsync();
        var env = ConfigApps.Env(collector, "ratio0");
        env["OTEL_TRACES_SAMPLER"] = "parentbased_traceidratio";
        env["OTEL_TRACES_SAMPLER_ARG"] = "0";
        await using var app = await ConfigApps.StartWebAppAsync(env);

        for (var i = 0; i < 5; i++)
        {
            await app.GetAsync("/users/root" + i);
        }

        await SendWithTraceparentAsync(app, "/users/unsampled", $"00-{TraceId.Replace('0', '1')}-{ParentId}-00");
        await SendWithTraceparentAsync(app, "/users/sampled", $"00-{TraceId}-{ParentId}-01");
        var kept = await collector.WaitForSpanAsync(s => s.Name == "GET /users/{id}", ConfigApps.Wait);
        Assert.True(await app.StopAsync(ConfigApps.Stop));

        Assert.Equal(TraceId, kept.TraceId);
        Assert.Equal(ParentId, kept.ParentSpanId);
        Assert.Equal("/users/sampled", kept.Attributes["url.path"]);
        var spans = collector.Spans;
        Assert.True(spans.Count == 1, TelemetrySummary.List("spans", spans, TelemetrySummary.Describe));
        Assert.Contains("sampler: parentbased_traceidratio(0)", app.AgentLog(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("b3")]
    [InlineData("b3multi")]
    public async Task B3Propagation_TwoApps_DownstreamServerSpanIsChildOfUpstreamClientSpan(string propagator)
    {
        await using var collector = await MockCollector.StartAsync();
        var downstreamEnv = ConfigApps.Env(collector, "b3-down");
        downstreamEnv["OTEL_PROPAGATORS"] = propagator;
        await using var downstream = await ConfigApps.StartWebAppAsync(downstreamEnv);

        var upstreamEnv = ConfigApps.Env(collector, "b3-up");
        upstreamEnv["OTEL_PROPAGATORS"] = propagator;
        upstreamEnv["DOWNSTREAM_URL"] = new Uri(downstream.BaseAddress, "/headers").ToString();
        await using var upstream = await ConfigApps.StartWebAppAsync(upstreamEnv);

        // /call returns what the downstream app's /headers saw.
        var received = JsonSerializer.Deserialize<Dictionary<string, string>>(await upstream.GetAsync("/call"))!;
        var spans = await collector.WaitForSpansAsync(
            s => s.Any(x => x.IsFrom("b3-up") && x.Kind == OtlpSpanKind.Client) && s.Any(x => x.IsFrom("b3-down") && x.Name == "GET /headers"),
            ConfigApps.Wait);

        var client = Assert.Single(spans, s => s.IsFrom("b3-up") && s.Kind == OtlpSpanKind.Client);
        var server = Assert.Single(spans, s => s.IsFrom("b3-down") && s.Name == "GET /headers");
        Assert.Equal(client.TraceId, server.TraceId);
        Assert.Equal(client.SpanId, server.ParentSpanId);

        Assert.DoesNotContain("traceparent", received.Keys);
        if (propagator == "b3")
        {
            Assert.Equal($"{client.TraceId}-{client.SpanId}-1", received["b3"]);
            Assert.DoesNotContain("x-b3-traceid", received.Keys);
        }
        else
        {
            Assert.Equal(client.TraceId, received["x-b3-traceid"]);
            Assert.Equal(client.SpanId, received["x-b3-spanid"]);
            Assert.Equal("1", received["x-b3-sampled"]);
            Assert.DoesNotContain("b3", received.Keys);
        }
    }

    [Theory]
    [InlineData("b3", "b3", "{0}-{1}-1")]
    [InlineData("b3multi", "x-b3-traceid", "{0}")]
    public async Task B3Extraction_IncomingHeaders_ServerSpanContinuesTheCallersTrace(string propagator, string header, string format)
    {
        await using var collector = await MockCollector.StartAsync();
        var env = ConfigApps.Env(collector, "b3-in");
        env["OTEL_PROPAGATORS"] = "tracecontext," + propagator;
        await using var app = await ConfigApps.StartWebAppAsync(env);

        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(app.BaseAddress, "/users/b3"));
        request.Headers.Add(header, string.Format(System.Globalization.CultureInfo.InvariantCulture, format, TraceId, ParentId));
        if (propagator == "b3multi")
        {
            request.Headers.Add("X-B3-SpanId", ParentId);
            request.Headers.Add("X-B3-Sampled", "1");
        }

        using (await app.SendAsync(request))
        {
        }

        var span = await collector.WaitForSpanAsync(s => s.Name == "GET /users/{id}", ConfigApps.Wait);
        Assert.Equal(TraceId, span.TraceId);
        Assert.Equal(ParentId, span.ParentSpanId);
    }

    private static async Task SendWithTraceparentAsync(AppProcess app, string path, string traceparent)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(app.BaseAddress, path));
        request.Headers.Add("traceparent", traceparent);
        using var response = await app.SendAsync(request);
        response.EnsureSuccessStatusCode();
    }
}
