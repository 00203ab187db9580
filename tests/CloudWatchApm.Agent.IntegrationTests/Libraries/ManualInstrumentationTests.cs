// What docs/manual-instrumentation.md shows, proven end to end: an app's own ActivitySource spans
// (attributes, events, exceptions, status, nesting) and Meter instruments, and spans made through
// the OpenTelemetry API (TracerProvider.Default.GetTracer) by an app that references only
// OpenTelemetry.Api, all join the agent's traces and metrics when named in the
// ADDITIONAL_SOURCES variables. Also: an app without database or messaging libraries turns none
// of those instrumentations on.
using CloudWatchApm.Agent.IntegrationTests.Collector;
using CloudWatchApm.Agent.IntegrationTests.Infrastructure;
using Xunit;

namespace CloudWatchApm.Agent.IntegrationTests.Libraries;

public sealed class ManualInstrumentationTests
{
    private static readonly TimeSpan Ready = TimeSpan.FromSeconds(30);

    public ManualInstrumentationTests() => TestPaths.RequireAgentHome();

    /// <summary>
    /// Both builds: OpenTelemetry.Api's net8.0 and net9.0+ assemblies differ inside, and the app's
    /// copy is the one loaded, so each must meet the agent SDK built for its runtime.
    /// </summary>
    [Theory]
    [InlineData("net10.0", false)]
    [InlineData("net8.0", true)]
    public async Task ManualApp_ActivitySourceOtelApiAndMeter_AllArriveInTheRequestsTrace(string variant, bool privateRuntime)
    {
        await using var collector = await MockCollector.StartAsync();
        var dotnet = privateRuntime ? Path.Combine(TestPaths.RuntimesRoot, "dotnet") : null;
        await using var app = AppProcess.StartApp(TestPaths.App("ManualApp", variant), "ManualApp", new Dictionary<string, string?>
        {
            ["OTEL_SERVICE_NAME"] = "manual",
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = collector.GrpcEndpoint,
            ["OTEL_BSP_SCHEDULE_DELAY"] = "200",
            ["OTEL_METRIC_EXPORT_INTERVAL"] = "500",
            ["OTEL_DOTNET_AUTO_TRACES_ADDITIONAL_SOURCES"] = "ManualApp.*",
            ["OTEL_DOTNET_AUTO_METRICS_ADDITIONAL_SOURCES"] = "ManualApp.*",
            ["OTEL_LOG_LEVEL"] = "debug",
        }, dotnet);
        await app.WaitUntilReadyAsync(Ready);
        await app.WaitForMetricsStartedAsync(Traces.Wait);
        Assert.Equal("{\"id\":\"7\"}", await app.GetAsync("/order/7"));
        await app.GetAsync("/fail");
        Assert.Equal("otel-api", await app.GetAsync("/otel-api"));

        var spans = await collector.WaitForSpansAsync(s => s.Any(x => x.Name == "place-order") && s.Any(x => x.Name == "refund") && s.Any(x => x.Name == "otel-api-work") && s.Count(x => x.Kind == OtlpSpanKind.Server) >= 3, Traces.Wait);

        // Spans, attributes, events, status and nesting from System.Diagnostics.
        var orderRequest = Assert.Single(spans, s => s.Name == "GET /order/{id}");
        var order = Assert.Single(spans, s => s.Name == "place-order");
        Assert.Equal(orderRequest.TraceId, order.TraceId);
        Assert.Equal(orderRequest.SpanId, order.ParentSpanId);
        Assert.Equal("ManualApp.Orders", order.ScopeName);
        Assert.Equal("1.0.0", order.ScopeVersion);
        Assert.Equal(OtlpSpanKind.Internal, order.Kind);
        Assert.Equal("7", order.Attributes["order.id"]);
        Assert.Equal(3L, order.Attributes["order.items"]);
        var validated = Assert.Single(order.Events, e => e.Name == "validated");
        Assert.Equal(true, validated.Attributes["order.valid"]);
        Assert.Equal(OtlpStatusCode.Ok, order.StatusCode);
        var charge = Assert.Single(spans, s => s.Name == "charge-card");
        Assert.Equal(order.SpanId, charge.ParentSpanId);
        Assert.Equal("test", charge.Attributes["payment.provider"]);

        // A recorded exception and an error status.
        var refund = Assert.Single(spans, s => s.Name == "refund");
        Assert.Equal(OtlpStatusCode.Error, refund.StatusCode);
        Assert.Equal("card declined", refund.StatusMessage);
        var exception = Assert.Single(refund.Events, e => e.Name == "exception");
        Assert.Equal("System.InvalidOperationException", exception.Attributes["exception.type"]);
        Assert.Equal("card declined", exception.Attributes["exception.message"]);
        Assert.Contains("Program", exception.Attributes["exception.stacktrace"] as string, StringComparison.Ordinal);

        // The OpenTelemetry API (Tracer over an ActivitySource of the tracer's name).
        var apiRequest = Assert.Single(spans, s => s.Name == "GET /otel-api");
        var api = Assert.Single(spans, s => s.Name == "otel-api-work");
        Assert.Equal(apiRequest.SpanId, api.ParentSpanId);
        Assert.Equal("ManualApp.OtelApi", api.ScopeName);
        Assert.Equal("2.0.0", api.ScopeVersion);
        Assert.Equal("opentelemetry", api.Attributes["api.used"]);
        Assert.Contains(api.Events, e => e.Name == "step-one");
        Assert.Contains(api.Events, e => e.Name == "exception" && (e.Attributes.GetValueOrDefault("exception.type") as string ?? string.Empty).EndsWith("ArgumentException", StringComparison.Ordinal) && e.Attributes.GetValueOrDefault("exception.message") as string == "bad input");
        Assert.Equal(OtlpStatusCode.Error, api.StatusCode);
        Assert.Equal("bad input", api.StatusMessage);

        // The app's Meter: a counter, a histogram and an observable gauge.
        var metrics = await collector.WaitForMetricsAsync(m => m.Any(x => x.Name == "orders.placed") && m.Any(x => x.Name == "orders.value") && m.Any(x => x.Name == "orders.queue.depth"), Traces.Wait);
        var placed = metrics.Last(m => m.Name == "orders.placed");
        Assert.Equal(OtlpMetricType.Sum, placed.Type);
        Assert.True(placed.IsMonotonic);
        Assert.Equal("{order}", placed.Unit);
        Assert.Equal("ManualApp.Orders", placed.ScopeName);
        var point = Assert.Single(placed.Points);
        Assert.Equal(1d, point.Value);
        Assert.Equal("web", point.Attributes["order.channel"]);
        var value = Assert.Single(metrics.Last(m => m.Name == "orders.value").Points);
        Assert.Equal(1UL, value.Count);
        Assert.Equal(42.5, value.Sum);
        var depth = metrics.Last(m => m.Name == "orders.queue.depth");
        Assert.Equal(OtlpMetricType.Gauge, depth.Type);
        Assert.Equal(7d, Assert.Single(depth.Points).Value);

        // The API-only app keeps the agent active, and no library instrumentation it does not use is on.
        Assert.True(await app.StopAsync(TimeSpan.FromSeconds(20)));
        var log = app.AgentLog();
        Assert.DoesNotContain("ships the OpenTelemetry SDK itself", log, StringComparison.Ordinal);
        var traces = LibraryTraceTests.StartupLine(log, "traces=");
        Assert.Contains("ASPNETCORE", traces, StringComparison.Ordinal);
        foreach (var id in new[] { "NPGSQL", "MYSQLCONNECTOR", "ENTITYFRAMEWORKCORE", "STACKEXCHANGEREDIS", "RABBITMQ", "MASSTRANSIT", "GRPCNETCLIENT", "SQLCLIENT" })
        {
            Assert.DoesNotContain(id, traces, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task WorkerService_ILogger_RecordsArriveOnceWithSeverityTemplateAndArguments()
    {
        await using var collector = await MockCollector.StartAsync();
        await using var app = AppProcess.StartApp(TestPaths.App("WorkerApp", "net10.0"), "WorkerApp", new Dictionary<string, string?>
        {
            ["OTEL_SERVICE_NAME"] = "worker-logs",
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = collector.GrpcEndpoint,
            ["TARGET_URL"] = collector.HttpEndpoint + "/anything",
            ["CALL_COUNT"] = "3",
        });
        Assert.True(await app.WaitForExitAsync(TimeSpan.FromSeconds(60)), "the worker did not exit");
        Assert.Equal(0, app.ExitCode);

        // The worker exits right after its calls: these records arrive because shutdown flushed them.
        var calls = collector.Logs.Where(l => l.Attributes.GetValueOrDefault("{OriginalFormat}") as string == "worker call {Index} returned {Status}").ToList();
        Assert.Equal(3, calls.Count);
        Assert.Equal([0L, 1L, 2L], calls.Select(l => (long)l.Attributes["Index"]!).Order());
        Assert.All(calls, l =>
        {
            Assert.Equal(9, l.SeverityNumber);
            Assert.Equal("Worker", l.ScopeName);
            Assert.StartsWith("worker call ", l.Body as string, StringComparison.Ordinal);
            Assert.Equal("worker-logs", l.ResourceAttributes["service.name"]);
        });
        Assert.Contains(collector.Logs, l => l.ScopeName == "Microsoft.Hosting.Lifetime");
    }
}
