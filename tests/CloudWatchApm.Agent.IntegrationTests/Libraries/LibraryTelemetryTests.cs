// Metrics and logs from the library test app: the built-in ASP.NET Core, Kestrel, HttpClient,
// runtime and process meters, the database clients' own meters and the app's Meter named in
// OTEL_DOTNET_AUTO_METRICS_ADDITIONAL_SOURCES arrive with sensible values; ILogger records
// arrive once each with the trace and span of the request (or consumer) that wrote them, and
// OTEL_LOGS_EXPORTER=none turns them off.
using CloudWatchApm.Agent.IntegrationTests.Collector;
using CloudWatchApm.Agent.IntegrationTests.Services;
using Xunit;

namespace CloudWatchApm.Agent.IntegrationTests.Libraries;

[Collection(ServicesCollection.Name)]
public sealed class LibraryTelemetryTests(ServicesFixture services)
{
    [Fact]
    public async Task Metrics_TwoWorkRequests_BuiltInLibraryAndAppMetricsArriveWithSensibleValues()
    {
        await using var collector = await MockCollector.StartAsync();
        await using var app = await LibrariesApp.StartAsync(collector, services, "libraries-metrics", new Dictionary<string, string?>
        {
            ["OTEL_DOTNET_AUTO_METRICS_ADDITIONAL_SOURCES"] = "LibrariesApp.*",
        });
        await app.WaitForMetricsStartedAsync(LibrariesApp.Wait);
        await LibrariesApp.WorkAsync(app);
        await LibrariesApp.WorkAsync(app);

        var metrics = await collector.WaitForMetricsAsync(
            m => Points(m, "http.server.request.duration").Any(p => Route(p) == "/work" && p.Count >= 2)
                && Points(m, "libraries.work.count").Any(p => p.Value >= 2)
                && Points(m, "db.client.operation.duration").Any()
                && Points(m, "process.cpu.time").Any(),
            LibrariesApp.Wait);

        // ASP.NET Core and Kestrel.
        var server = Points(metrics, "http.server.request.duration").Last(p => Route(p) == "/work");
        Assert.True(server.Count >= 2);
        Assert.True(server.Sum > 0 && server.Sum < 120, "request durations (s) should be positive and plausible: " + server.Sum);
        Assert.Equal(200L, server.Attributes["http.response.status_code"]);
        Assert.Contains(metrics, m => m.Name == "kestrel.active_connections" && m.ScopeName == "Microsoft.AspNetCore.Server.Kestrel");

        // HttpClient (the /downstream call and the gRPC call).
        Assert.Contains(Points(metrics, "http.client.request.duration"), p => p.Count >= 1 && p.Sum > 0);

        // Runtime and process.
        Assert.Contains(Points(metrics, "dotnet.process.memory.working_set"), p => p.Value > 10_000_000);
        Assert.Contains(Points(metrics, "dotnet.gc.heap.total_allocated"), p => p.Value > 0);
        Assert.Contains(Points(metrics, "process.cpu.time"), p => p.Value > 0);
        Assert.Contains(Points(metrics, "process.memory.usage"), p => p.Value > 10_000_000);
        Assert.Contains(Points(metrics, "process.thread.count"), p => p.Value >= 2);

        // Database clients' own meters.
        Assert.Contains(metrics, m => m.ScopeName == "Npgsql" && m.Name == "db.client.operation.duration" && m.Points.Any(p => p.Count >= 2));
        Assert.Contains(metrics, m => m.ScopeName == "MySqlConnector" && m.Name.StartsWith("db.client.connections.", StringComparison.Ordinal));

        // The app's own Meter, named by OTEL_DOTNET_AUTO_METRICS_ADDITIONAL_SOURCES.
        var work = Assert.Single(Points(metrics, "libraries.work.count").Where(p => p.Value >= 2).Take(1));
        Assert.Equal("widget", work.Attributes["work.name"]);
    }

    [Fact]
    public async Task Logs_WorkRequest_EachRecordOnceWithTheTraceOfWhatWroteIt()
    {
        await using var collector = await MockCollector.StartAsync();
        await using var app = await LibrariesApp.StartAsync(collector, services, "libraries-logs");
        await LibrariesApp.WorkAsync(app);

        var logs = await collector.WaitForLogsAsync(
            l => l.Any(x => Body(x).StartsWith("work done", StringComparison.Ordinal)) && l.Any(x => Body(x).StartsWith("rabbitmq consumed", StringComparison.Ordinal))
                && l.Any(x => Body(x).StartsWith("masstransit consumed", StringComparison.Ordinal)) && l.Any(x => Body(x) == "downstream called"),
            LibrariesApp.Wait);
        var spans = await collector.WaitForSpansAsync(s => s.Any(x => x.Name == "GET /work") && s.Any(x => x.Name == "GET /downstream") && s.Any(x => x.ScopeName == "RabbitMQ.Client.Subscriber"), LibrariesApp.Wait);
        await Task.Delay(1000);
        logs = collector.Logs;
        var work = Assert.Single(spans, s => s.Name == "GET /work");

        // The request's own record: trace and span of the server span, severity, template and arguments.
        var done = Assert.Single(logs, l => Body(l).StartsWith("work done", StringComparison.Ordinal));
        Assert.Equal(work.TraceId, done.TraceId);
        Assert.Equal(work.SpanId, done.SpanId);
        Assert.Equal(9, done.SeverityNumber);
        Assert.Equal("Information", done.SeverityText);
        Assert.Equal("work done for widget with 3 rows", Body(done));
        Assert.Equal("work done for {Name} with {Count} rows", done.Attributes["{OriginalFormat}"]);
        Assert.Equal("widget", done.Attributes["Name"]);
        Assert.Equal(3L, done.Attributes["Count"]);
        Assert.Equal("Program", done.ScopeName);

        // Written in the downstream server span, a warning.
        var downstream = Assert.Single(logs, l => Body(l) == "downstream called");
        Assert.Equal(work.TraceId, downstream.TraceId);
        Assert.Equal(Assert.Single(spans, s => s.Name == "GET /downstream").SpanId, downstream.SpanId);
        Assert.Equal(13, downstream.SeverityNumber);

        // Written by the consumers: still the request's trace.
        var consumed = Assert.Single(logs, l => Body(l).StartsWith("rabbitmq consumed", StringComparison.Ordinal));
        Assert.Equal(work.TraceId, consumed.TraceId);
        Assert.Equal(Assert.Single(spans, s => s.ScopeName == "RabbitMQ.Client.Subscriber" && s.Attributes.GetValueOrDefault("messaging.rabbitmq.destination.routing_key") as string == "libraries-work").SpanId, consumed.SpanId);
        Assert.Equal(work.TraceId, Assert.Single(logs, l => Body(l).StartsWith("masstransit consumed", StringComparison.Ordinal)).TraceId);

        // Nothing exported twice: every record of the request is there exactly once.
        var ofRequest = logs.Where(l => l.TraceId == work.TraceId).ToList();
        var duplicates = ofRequest.GroupBy(l => (l.TimeUnixNano, Body(l), l.SpanId)).Where(g => g.Count() > 1).Select(g => g.Key.Item2).ToList();
        Assert.True(duplicates.Count == 0, "log records exported more than once: " + string.Join(", ", duplicates));
        Assert.True(ofRequest.Count >= 4);
    }

    [Fact]
    public async Task Logs_ExporterNone_NoLogRecordsButSpansStill()
    {
        await using var collector = await MockCollector.StartAsync();
        await using var app = await LibrariesApp.StartAsync(collector, services, "libraries-nologs", new Dictionary<string, string?>
        {
            ["OTEL_LOGS_EXPORTER"] = "none",
        });
        await LibrariesApp.WorkAsync(app);
        await collector.WaitForSpansAsync(s => s.Any(x => x.Name == "GET /work"), LibrariesApp.Wait);
        await Task.Delay(1500);
        Assert.Empty(collector.Logs);
        Assert.DoesNotContain(collector.Requests, r => r.Signal == OtlpSignal.Logs);
    }

    internal static IEnumerable<ReceivedMetricPoint> Points(IReadOnlyList<ReceivedMetric> metrics, string name)
        => metrics.Where(m => m.Name == name).SelectMany(m => m.Points);

    private static string? Route(ReceivedMetricPoint p) => p.Attributes.GetValueOrDefault("http.route") as string;

    private static string Body(ReceivedLog l) => l.Body as string ?? string.Empty;
}
