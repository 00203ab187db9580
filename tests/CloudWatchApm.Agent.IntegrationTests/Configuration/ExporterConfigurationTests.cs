// The exporter variables, read the way the OpenTelemetry specification says, proven against a
// real app and the mock collector: protocol and endpoints (generic and per signal), the
// exporter lists, headers, compression and OTEL_SDK_DISABLED.
using CloudWatchApm.Agent.IntegrationTests.Collector;
using CloudWatchApm.Agent.IntegrationTests.Infrastructure;
using Xunit;

namespace CloudWatchApm.Agent.IntegrationTests.Configuration;

public sealed class ExporterConfigurationTests
{
    public ExporterConfigurationTests() => TestPaths.RequireAgentHome();

    [Fact]
    public async Task HttpProtobuf_GenericEndpoint_EverySignalArrivesOnTheHttpPortUnderV1Paths()
    {
        await using var collector = await MockCollector.StartAsync();
        var env = ConfigApps.Env("http-generic");
        env["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf";
        env["OTEL_EXPORTER_OTLP_ENDPOINT"] = collector.HttpEndpoint;
        await using var app = await ConfigApps.StartWebAppAsync(env);

        await app.GetAsync("/users/1");
        var span = await collector.WaitForSpanAsync(s => s.Name == "GET /users/{id}", ConfigApps.Wait);
        Assert.Equal(OtlpTransport.Http, span.Transport);
        await collector.WaitForMetricAsync(m => m.Transport == OtlpTransport.Http, ConfigApps.Wait);

        Assert.True(await app.StopAsync(ConfigApps.Stop));
        var requests = collector.Requests;
        Assert.Contains(requests, r => r.Path == "/v1/traces" && r.Transport == OtlpTransport.Http && r.Accepted);
        Assert.Contains(requests, r => r.Path == "/v1/metrics" && r.Transport == OtlpTransport.Http && r.Accepted);
        Assert.DoesNotContain(requests, r => r.Transport == OtlpTransport.Grpc || r.Signal == OtlpSignal.Unknown);
    }

    [Fact]
    public async Task PerSignalEndpoints_TracesAndMetricsGoToDifferentCollectors()
    {
        await using var traces = await MockCollector.StartAsync();
        await using var metrics = await MockCollector.StartAsync();
        var env = ConfigApps.Env("per-signal");

        // The generic endpoint points nowhere: only the per-signal ones may be used. The traces
        // endpoint is an http/protobuf one given in full (used as is), metrics go over gRPC.
        env["OTEL_EXPORTER_OTLP_ENDPOINT"] = $"http://127.0.0.1:{AppProcess.FreePort()}";
        env["OTEL_EXPORTER_OTLP_TRACES_PROTOCOL"] = "http/protobuf";
        env["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"] = traces.HttpEndpoint + "/v1/traces";
        env["OTEL_EXPORTER_OTLP_METRICS_ENDPOINT"] = metrics.GrpcEndpoint;
        env["OTEL_LOGS_EXPORTER"] = "none";
        await using var app = await ConfigApps.StartWebAppAsync(env);
        await app.WaitForMetricsStartedAsync(ConfigApps.Wait);

        await app.GetAsync("/users/2");
        await traces.WaitForSpanAsync(s => s.Name == "GET /users/{id}" && s.Transport == OtlpTransport.Http, ConfigApps.Wait);
        await metrics.WaitForMetricAsync(m => m.Name == "http.server.request.duration" && m.Transport == OtlpTransport.Grpc, ConfigApps.Wait);

        Assert.True(await app.StopAsync(ConfigApps.Stop));
        Assert.Empty(traces.Metrics);
        Assert.Empty(metrics.Spans);
        Assert.All(traces.Requests, r => Assert.Equal("/v1/traces", r.Path));
    }

    [Fact]
    public async Task TracesExporterNone_NoSpansButMetricsStillFlow()
    {
        await using var collector = await MockCollector.StartAsync();
        var env = ConfigApps.Env(collector, "no-traces");
        env["OTEL_TRACES_EXPORTER"] = "none";
        await using var app = await ConfigApps.StartWebAppAsync(env);
        await app.WaitForMetricsStartedAsync(ConfigApps.Wait);

        await app.GetAsync("/call");
        await collector.WaitForMetricAsync(m => m.Name == "http.server.request.duration" && m.IsFrom("no-traces"), ConfigApps.Wait);

        // Exit flushes whatever is buffered: after it, nothing more can arrive.
        Assert.True(await app.StopAsync(ConfigApps.Stop));
        Assert.Empty(collector.Spans);
        Assert.DoesNotContain(collector.Requests, r => r.Signal == OtlpSignal.Traces);
        Assert.Contains("traces=off", app.AgentLog(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ConsoleTracesExporter_PrintsSpansOnStdoutAndSendsNone()
    {
        await using var collector = await MockCollector.StartAsync();
        var env = ConfigApps.Env(collector, "console-traces");
        env["OTEL_TRACES_EXPORTER"] = "console";
        await using var app = await ConfigApps.StartWebAppAsync(env);

        await app.GetAsync("/users/3");
        Assert.True(await app.StopAsync(ConfigApps.Stop));

        var stdout = app.StandardOutput;
        Assert.Contains("Activity.DisplayName:", stdout, StringComparison.Ordinal);
        Assert.Contains("GET /users/{id}", stdout, StringComparison.Ordinal);
        Assert.Empty(collector.Spans);
    }

    [Fact]
    public async Task ConsoleMetricsExporter_PrintsMetricsOnStdoutAndSendsNone()
    {
        await using var collector = await MockCollector.StartAsync();
        var env = ConfigApps.Env(collector, "console-metrics");
        env["OTEL_METRICS_EXPORTER"] = "console";
        env["OTEL_TRACES_EXPORTER"] = "none";
        env["OTEL_LOGS_EXPORTER"] = "none";
        await using var app = await ConfigApps.StartWebAppAsync(env);
        await app.WaitForMetricsStartedAsync(ConfigApps.Wait);

        await app.GetAsync("/users/8");
        await app.WaitForOutputAsync("Metric Name: http.server.request.duration", ConfigApps.Wait);

        Assert.True(await app.StopAsync(ConfigApps.Stop));
        Assert.Contains("Metric Name: http.server.request.duration", app.StandardOutput, StringComparison.Ordinal);
        Assert.Empty(collector.Requests);
    }

    [Theory]
    [InlineData("grpc")]
    [InlineData("http/protobuf")]
    public async Task Headers_ArriveAtTheCollectorPercentDecodedAndAreNeverLogged(string protocol)
    {
        await using var collector = await MockCollector.StartAsync();
        var env = ConfigApps.Env("headers");
        env["OTEL_EXPORTER_OTLP_PROTOCOL"] = protocol;
        env["OTEL_EXPORTER_OTLP_ENDPOINT"] = protocol == "grpc" ? collector.GrpcEndpoint : collector.HttpEndpoint;
        // An encoded ',' and '=' stay inside the value; a non-ASCII value cannot go on the wire and
        // is left out with a warning instead of failing every export.
        env["OTEL_EXPORTER_OTLP_HEADERS"] = "api-key=s3cr3t%20value,x-tenant=a%2Cb%3Dc, x-plus = 1+2 ,x-bad=caf%C3%A9";
        env["OTEL_LOG_LEVEL"] = "debug";
        await using var app = await ConfigApps.StartWebAppAsync(env);

        await app.GetAsync("/users/4");
        var requests = await collector.WaitForRequestsAsync(r => r.Any(x => x.Signal == OtlpSignal.Traces), ConfigApps.Wait);
        Assert.True(await app.StopAsync(ConfigApps.Stop));

        var traces = requests.First(r => r.Signal == OtlpSignal.Traces);
        Assert.Equal("s3cr3t value", traces.Headers["api-key"]);
        Assert.Equal("a,b=c", traces.Headers["x-tenant"]);
        Assert.Equal("1+2", traces.Headers["x-plus"]);
        Assert.False(traces.Headers.ContainsKey("x-bad"));
        Assert.False(traces.Headers.ContainsKey("b"));
        Assert.All(collector.Requests.Where(r => r.Signal == OtlpSignal.Metrics), r => Assert.Equal("s3cr3t value", r.Headers["api-key"]));

        var log = app.AgentLog();
        Assert.Contains("api-key=<redacted>", log, StringComparison.Ordinal);
        Assert.Contains("the value of header 'x-bad' holds characters HTTP does not allow", log, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cr3t", log, StringComparison.Ordinal);
        Assert.DoesNotContain("caf%C3%A9", log, StringComparison.Ordinal);
        Assert.DoesNotContain("café", log, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("grpc")]
    [InlineData("http/protobuf")]
    public async Task GzipCompression_ArrivesCompressedAndDecodes(string protocol)
    {
        await using var collector = await MockCollector.StartAsync();
        var env = ConfigApps.Env("gzip");
        env["OTEL_EXPORTER_OTLP_PROTOCOL"] = protocol;
        env["OTEL_EXPORTER_OTLP_ENDPOINT"] = protocol == "grpc" ? collector.GrpcEndpoint : collector.HttpEndpoint;
        env["OTEL_EXPORTER_OTLP_COMPRESSION"] = "gzip";
        await using var app = await ConfigApps.StartWebAppAsync(env);

        await app.GetAsync("/users/5");
        await collector.WaitForSpanAsync(s => s.Name == "GET /users/{id}", ConfigApps.Wait);
        await collector.WaitForMetricAsync(_ => true, ConfigApps.Wait);
        Assert.True(await app.StopAsync(ConfigApps.Stop));

        var exports = collector.Requests.Where(r => r.Signal is OtlpSignal.Traces or OtlpSignal.Metrics).ToList();
        Assert.NotEmpty(exports);
        Assert.All(exports, r => Assert.True(r.IsGzip && r.Accepted && r.ItemCount > 0, TelemetrySummary.Describe(r)));
    }

    [Fact]
    public async Task DefaultMetrics_RequestDurationKeepsItsAdvisedBuckets_RuntimeProcessAndKestrelArrive()
    {
        await using var collector = await MockCollector.StartAsync();
        await using var app = await ConfigApps.StartWebAppAsync(ConfigApps.Env(collector, "default-metrics"));
        await app.WaitForMetricsStartedAsync(ConfigApps.Wait);

        await app.GetAsync("/users/6");
        string[] names = ["http.server.request.duration", "dotnet.assembly.count", "process.cpu.time", "kestrel.active_connections"];
        var metrics = await collector.WaitForMetricsAsync(m => names.All(n => m.Any(x => x.Name == n)), ConfigApps.Wait);
        var maps = ConfigApps.Maps(app.Id);
        Assert.True(await app.StopAsync(ConfigApps.Stop));

        // No console exporter configured: its assembly is never loaded.
        Assert.DoesNotContain("OpenTelemetry.Exporter.Console.dll", maps, StringComparison.Ordinal);

        // ASP.NET Core advises 14 bucket boundaries, 5 ms to 10 s; the agent's view must keep them.
        var duration = metrics.First(m => m.Name == "http.server.request.duration");
        Assert.Equal(OtlpMetricType.Histogram, duration.Type);
        var point = Assert.Single(duration.Points, p => Equals(p.Attributes.GetValueOrDefault("http.route"), "/users/{id}"));
        Assert.Equal(14, point.ExplicitBounds.Count);
        Assert.Equal(0.005, point.ExplicitBounds[0]);
        Assert.Equal("System.Runtime", metrics.First(m => m.Name == "dotnet.assembly.count").ScopeName);
        Assert.DoesNotContain("[WARN]", app.AgentLog(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task MetricsStart_Default_TheFirstRequestIsTracedNotMeasured_LaterOnesAreMeasured()
    {
        await using var collector = await MockCollector.StartAsync();
        await using var app = await ConfigApps.StartWebAppAsync(ConfigApps.Env(collector, "metrics-start"));

        // The readiness probe (GET /health) was the app's first request: the metrics start after it.
        await app.WaitForAgentLogAsync("metrics started after the first request", ConfigApps.Wait);
        await app.GetAsync("/users/9");
        await collector.WaitForMetricAsync(m => m.Name == "http.server.request.duration" && m.Points.Any(p => Equals(p.Attributes.GetValueOrDefault("http.route"), "/users/{id}")), ConfigApps.Wait);
        await collector.WaitForSpanAsync(s => s.Name == "GET /health", ConfigApps.Wait);
        Assert.True(await app.StopAsync(ConfigApps.Stop));

        var durations = collector.Metrics.Where(m => m.Name == "http.server.request.duration").SelectMany(m => m.Points);
        Assert.DoesNotContain(durations, p => Equals(p.Attributes.GetValueOrDefault("http.route"), "/health"));
        Assert.Contains("metrics=otlp (started after the first request)", app.AgentLog(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task MetricsStart_Immediate_TheFirstRequestIsMeasuredToo()
    {
        await using var collector = await MockCollector.StartAsync();
        var env = ConfigApps.Env(collector, "metrics-immediate");
        env["OTEL_DOTNET_AUTO_METRICS_START"] = "immediate";
        await using var app = await ConfigApps.StartWebAppAsync(env);

        await collector.WaitForMetricAsync(m => m.Name == "http.server.request.duration" && m.Points.Any(p => Equals(p.Attributes.GetValueOrDefault("http.route"), "/health") && p.Count >= 1), ConfigApps.Wait);
        Assert.True(await app.StopAsync(ConfigApps.Stop));

        Assert.DoesNotContain("metrics started", app.AgentLog(), StringComparison.Ordinal);
        Assert.DoesNotContain("[WARN]", app.AgentLog(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ExponentialHistogramAggregation_RequestDurationArrivesAsAnExponentialHistogram()
    {
        await using var collector = await MockCollector.StartAsync();
        var env = ConfigApps.Env(collector, "exponential");
        env["OTEL_EXPORTER_OTLP_METRICS_DEFAULT_HISTOGRAM_AGGREGATION"] = "base2_exponential_bucket_histogram";
        await using var app = await ConfigApps.StartWebAppAsync(env);
        await app.WaitForMetricsStartedAsync(ConfigApps.Wait);

        await app.GetAsync("/users/7");
        var duration = await collector.WaitForMetricAsync(m => m.Name == "http.server.request.duration" && m.Points.Any(p => p.Count > 0), ConfigApps.Wait);
        var connection = await collector.WaitForMetricAsync(m => m.Name == "kestrel.active_connections", ConfigApps.Wait);
        Assert.True(await app.StopAsync(ConfigApps.Stop));

        Assert.Equal(OtlpMetricType.ExponentialHistogram, duration.Type);
        Assert.Equal(OtlpMetricType.Sum, connection.Type);
        Assert.DoesNotContain("[WARN]", app.AgentLog(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task SdkDisabled_ExportsNothingLoadsNoSdkAndSaysSo()
    {
        await using var collector = await MockCollector.StartAsync();
        var env = ConfigApps.Env(collector, "disabled");
        env["OTEL_SDK_DISABLED"] = "true";
        await using var app = await ConfigApps.StartWebAppAsync(env);

        Assert.Equal("{\"id\":\"42\"}", await app.GetAsync("/call"));
        var maps = ConfigApps.Maps(app.Id);
        Assert.True(await app.StopAsync(ConfigApps.Stop));

        Assert.Contains("OTEL_SDK_DISABLED=true", app.AgentLog(), StringComparison.Ordinal);
        Assert.DoesNotContain("OpenTelemetry.dll", maps, StringComparison.Ordinal);
        Assert.DoesNotContain("CloudWatchApm.Agent.dll", maps, StringComparison.Ordinal);
        Assert.Empty(collector.Requests);
    }
}
