// The library promise: one request to a service that uses PostgreSQL (Npgsql and EF Core),
// MariaDB (MySqlConnector), Redis, RabbitMQ (RabbitMQ.Client and MassTransit), gRPC and
// HttpClient gives one trace holding every one of those calls, correctly parented, with
// sanitised statements; consumers continue the producer's trace; and each
// OTEL_DOTNET_AUTO_TRACES_{ID}_INSTRUMENTATION_ENABLED=false removes exactly that library's spans.
using CloudWatchApm.Agent.IntegrationTests.Collector;
using CloudWatchApm.Agent.IntegrationTests.Infrastructure;
using CloudWatchApm.Agent.IntegrationTests.Services;
using Xunit;

namespace CloudWatchApm.Agent.IntegrationTests.Libraries;

[Collection(ServicesCollection.Name)]
public sealed class LibraryTraceTests(ServicesFixture services)
{
    private const string EfScope = "CloudWatchApm.Instrumentation.EntityFrameworkCore";
    private const string RedisScope = "CloudWatchApm.Instrumentation.StackExchangeRedis";
    private const string SqlClientScope = "OpenTelemetry.Instrumentation.SqlClient";

    [Fact]
    public async Task WorkRequest_UnderAgent_OneTraceWithEveryLibrarySpanCorrectlyParented()
    {
        await using var collector = await MockCollector.StartAsync();
        await using var app = await LibrariesApp.StartAsync(collector, services, "libraries");
        await LibrariesApp.WorkAsync(app);

        var all = await collector.WaitForSpansAsync(s => Complete(s), LibrariesApp.Wait);
        var work = Assert.Single(all, s => s.Name == "GET /work");
        var trace = all.Where(s => s.TraceId == work.TraceId).ToList();
        SpanAt Child(Func<ReceivedSpan, bool> match, string what, string parentSpanId) => new(trace, match, what, parentSpanId);

        Assert.Equal(OtlpSpanKind.Server, work.Kind);
        Assert.Equal("/work", work.Attributes["http.route"]);
        Assert.True(work.IsRoot);

        // PostgreSQL through Npgsql: the statement's literals are gone.
        var pg = Child(s => s.ScopeName == "Npgsql" && Text(s) == "SELECT COUNT(*) FROM items WHERE name = ? AND price > ?", "Npgsql query", work.SpanId).Span;
        Assert.Equal(OtlpSpanKind.Client, pg.Kind);
        Assert.Equal("postgresql", pg.Attributes["db.system.name"]);
        Assert.Equal("postgresql", pg.Attributes["db.system"]);
        Assert.Equal("libraries", pg.Attributes["db.namespace"]);
        Assert.Equal("127.0.0.1", pg.Attributes["server.address"]);
        Assert.Equal((long)services.Postgres.Port, pg.Attributes["server.port"]);

        // MariaDB through MySqlConnector.
        var my = Child(s => s.ScopeName == "MySqlConnector" && Text(s) == "SELECT COUNT(*) FROM orders WHERE status = ? AND total > ?", "MySqlConnector query", work.SpanId).Span;
        Assert.Equal(OtlpSpanKind.Client, my.Kind);
        Assert.Equal("mysql", my.Attributes["db.system.name"]);
        Assert.Equal("libraries", my.Attributes["db.namespace"]);
        Assert.Equal("libraries", my.Name);
        Assert.Equal((long)services.MariaDb.Port, my.Attributes["server.port"]);
        Assert.False(my.Attributes.ContainsKey("db.statement"));

        // EF Core: an INTERNAL span (Npgsql's own CLIENT span is under it, so the query counts once).
        var ef = Child(s => s.ScopeName == EfScope, "EF Core command", work.SpanId).Span;
        Assert.Equal(OtlpSpanKind.Internal, ef.Kind);
        Assert.Equal("postgresql", ef.Attributes["db.system.name"]);
        Assert.Equal("libraries", ef.Attributes["db.namespace"]);
        Assert.Equal("ShopContext", ef.Attributes["db.efcore.context"]);
        Assert.Equal("127.0.0.1", ef.Attributes["server.address"]);
        Assert.Equal((long)services.Postgres.Port, ef.Attributes["server.port"]);
        Assert.Equal("SELECT count(*)::int FROM items AS i WHERE i.price > ?", Text(ef));
        var efPg = Child(s => s.ScopeName == "Npgsql" && Text(s) == Text(ef), "Npgsql span of the EF command", ef.SpanId).Span;
        Assert.Equal(OtlpSpanKind.Client, efPg.Kind);

        // Redis through StackExchange.Redis: one CLIENT span per command, under the request.
        foreach (var command in new[] { "SET", "GET" })
        {
            var redis = Child(s => s.ScopeName == RedisScope && s.Name == command, "Redis " + command, work.SpanId).Span;
            Assert.Equal(OtlpSpanKind.Client, redis.Kind);
            Assert.Equal("redis", redis.Attributes["db.system.name"]);
            Assert.Equal(command, redis.Attributes["db.operation.name"]);
            Assert.Equal("0", redis.Attributes["db.namespace"]);
            Assert.Equal((long)services.Redis.Port, redis.Attributes["server.port"]);
            Assert.True(redis.StartTimeUnixNano >= work.StartTimeUnixNano && redis.EndTimeUnixNano <= work.EndTimeUnixNano, "the Redis span lies outside its request");
        }

        // RabbitMQ.Client 7: the publish under the request, the delivery continuing it.
        var publish = Child(s => s.ScopeName == "RabbitMQ.Client.Publisher" && s.Attributes.GetValueOrDefault("messaging.rabbitmq.destination.routing_key") as string == "libraries-work", "RabbitMQ publish", work.SpanId).Span;
        Assert.Equal(OtlpSpanKind.Producer, publish.Kind);
        Assert.Equal("rabbitmq", publish.Attributes["messaging.system"]);
        Assert.Equal("send", publish.Attributes["messaging.operation.type"]);
        Assert.Equal("amq.default", publish.Attributes["messaging.destination.name"]);
        var deliver = Child(s => s.ScopeName == "RabbitMQ.Client.Subscriber" && s.Attributes.GetValueOrDefault("messaging.rabbitmq.destination.routing_key") as string == "libraries-work", "RabbitMQ delivery", publish.SpanId).Span;
        Assert.Equal(OtlpSpanKind.Consumer, deliver.Kind);
        Assert.Equal("process", deliver.Attributes["messaging.operation.type"]);

        // MassTransit over RabbitMQ: send under the request, receive and process continue it.
        var send = Child(s => s.ScopeName == "MassTransit" && s.Kind == OtlpSpanKind.Producer, "MassTransit send", work.SpanId).Span;
        Assert.Equal("send", send.Attributes["messaging.operation.type"]);
        Assert.Equal("rabbitmq", send.Attributes["messaging.system"]);
        var receive = Child(s => s.ScopeName == "MassTransit" && s.Name == "WorkDone receive", "MassTransit receive", send.SpanId).Span;
        var process = Child(s => s.ScopeName == "MassTransit" && s.Name == "WorkDone process", "MassTransit process", receive.SpanId).Span;
        Assert.Equal(OtlpSpanKind.Consumer, process.Kind);
        Assert.Equal("process", process.Attributes["messaging.operation.type"]);

        // gRPC: client call span -> HTTP/2 client span -> the gRPC server span.
        var grpc = Child(s => s.ScopeName == "Grpc.Net.Client", "gRPC client call", work.SpanId).Span;
        Assert.Equal("greet.Greeter/SayHello", grpc.Name);
        Assert.Equal(OtlpSpanKind.Client, grpc.Kind);
        Assert.Equal("grpc", grpc.Attributes["rpc.system"]);
        Assert.Equal("greet.Greeter", grpc.Attributes["rpc.service"]);
        Assert.Equal("SayHello", grpc.Attributes["rpc.method"]);
        Assert.Equal(0L, grpc.Attributes["rpc.grpc.status_code"]);
        var grpcHttp = Child(s => s.Kind == OtlpSpanKind.Client && s.ScopeName == "System.Net.Http" && (s.Attributes.GetValueOrDefault("url.full") as string ?? string.Empty).EndsWith("/greet.Greeter/SayHello", StringComparison.Ordinal), "HTTP/2 span of the gRPC call", grpc.SpanId).Span;
        Child(s => s.Kind == OtlpSpanKind.Server && s.Name == "POST /greet.Greeter/SayHello", "gRPC server span", grpcHttp.SpanId);

        // Outgoing HTTP: client span under the request, the called service's server span under it.
        var http = Child(s => s.Kind == OtlpSpanKind.Client && s.ScopeName == "System.Net.Http" && (s.Attributes.GetValueOrDefault("url.full") as string ?? string.Empty).EndsWith("/downstream", StringComparison.Ordinal), "outgoing HTTP call", work.SpanId).Span;
        Assert.Equal("GET", http.Attributes["http.request.method"]);
        Child(s => s.Kind == OtlpSpanKind.Server && s.Name == "GET /downstream", "downstream server span", http.SpanId);

        // No statement anywhere carries a value, and nothing was exported twice.
        Assert.DoesNotContain(trace, s => Text(s)?.Contains("widget", StringComparison.Ordinal) == true || Text(s)?.Contains("100.5", StringComparison.Ordinal) == true);
        Traces.AssertNoDuplicates(collector.Spans);
        Assert.True(await app.StopAsync(TimeSpan.FromSeconds(20)), "the app did not stop on SIGTERM");
        Assert.DoesNotContain("instrumentation ", Errors(app.AgentLog()), StringComparison.Ordinal);
    }

    [Fact]
    public async Task SqlClient_ConnectionFails_CommandSpanWithSanitisedStatementAndError()
    {
        await using var collector = await MockCollector.StartAsync();
        await using var app = await LibrariesApp.StartAsync(collector, services, "sqlclient");
        var outcome = await app.GetAsync("/sqlclient");
        Assert.Contains("open failed", outcome, StringComparison.Ordinal);

        var spans = await collector.WaitForSpansAsync(s => s.Any(x => x.ScopeName == SqlClientScope) && s.Any(x => x.Name == "GET /sqlclient"), LibrariesApp.Wait);
        var server = Assert.Single(spans, s => s.Name == "GET /sqlclient");
        var sql = spans.Where(s => s.ScopeName == SqlClientScope).ToList();
        Assert.All(sql, s =>
        {
            Assert.Equal(server.TraceId, s.TraceId);
            Assert.Equal(server.SpanId, s.ParentSpanId);
            Assert.Equal(OtlpSpanKind.Client, s.Kind);
            Assert.Equal(OtlpStatusCode.Error, s.StatusCode);
            Assert.Equal("inventory", s.Attributes["db.namespace"]);
            Assert.Equal("microsoft.sql_server", s.Attributes["db.system.name"]);
        });
        var command = Assert.Single(sql, s => Text(s) is not null);
        Assert.Equal("SELECT name FROM products WHERE id = ? AND sku = ?", Text(command));
    }

    [Theory]
    [InlineData("NPGSQL", "Npgsql")]
    [InlineData("MYSQLCONNECTOR", "MySqlConnector")]
    [InlineData("ENTITYFRAMEWORKCORE", EfScope)]
    [InlineData("STACKEXCHANGEREDIS", RedisScope)]
    [InlineData("RABBITMQ", "RabbitMQ.Client.Publisher", "RabbitMQ.Client.Subscriber")]
    [InlineData("MASSTRANSIT", "MassTransit")]
    [InlineData("GRPCNETCLIENT", "Grpc.Net.Client")]
    [InlineData("HTTPCLIENT", "System.Net.Http")]
    [InlineData("SQLCLIENT", SqlClientScope)]
    public async Task InstrumentationSwitchedOff_ThatLibrarysSpansAreGone_OthersStay(string id, params string[] scopes)
    {
        await using var collector = await MockCollector.StartAsync();
        await using var app = await LibrariesApp.StartAsync(collector, services, "off-" + id.ToLowerInvariant(), new Dictionary<string, string?>
        {
            [$"OTEL_DOTNET_AUTO_TRACES_{id}_INSTRUMENTATION_ENABLED"] = "false",
        });
        await LibrariesApp.WorkAsync(app);
        await app.GetAsync("/sqlclient");

        // Both consumers have run once their log lines are in; give their spans one more export.
        await collector.WaitForLogsAsync(l => l.Any(x => Body(x).StartsWith("rabbitmq consumed", StringComparison.Ordinal)) && l.Any(x => Body(x).StartsWith("masstransit consumed", StringComparison.Ordinal)), LibrariesApp.Wait);
        await collector.WaitForSpansAsync(s => s.Any(x => x.Name == "GET /work") && s.Any(x => x.Name == "GET /sqlclient"), LibrariesApp.Wait);
        await Task.Delay(1500);
        Assert.True(await app.StopAsync(TimeSpan.FromSeconds(20)));

        var spans = collector.Spans;
        var off = spans.Where(s => scopes.Contains(s.ScopeName)).ToList();
        Assert.True(off.Count == 0, $"{id} is off but these spans arrived:\n" + string.Join('\n', off.Select(TelemetrySummary.Describe)));

        // The others are still there (one representative that does not depend on the switched-off one).
        var witness = id == "NPGSQL" ? "MySqlConnector" : "Npgsql";
        Assert.Contains(spans, s => s.ScopeName == witness);
        Assert.Contains(spans, s => s.Name == "GET /work");
        Assert.DoesNotContain(id, StartupLine(app.AgentLog(), "traces="), StringComparison.Ordinal);
    }

    private static bool Complete(IReadOnlyList<ReceivedSpan> s) =>
        s.Any(x => x.Name == "GET /work")
        && s.Any(x => x.ScopeName == "RabbitMQ.Client.Subscriber" && x.Attributes.GetValueOrDefault("messaging.rabbitmq.destination.routing_key") as string == "libraries-work")
        && s.Any(x => x.ScopeName == "MassTransit" && x.Name == "WorkDone process")
        && s.Count(x => x.ScopeName == RedisScope) >= 2
        && s.Any(x => x.Name == "GET /downstream")
        && s.Any(x => x.Name == "POST /greet.Greeter/SayHello")
        && s.Any(x => x.ScopeName == EfScope);

    private static string? Text(ReceivedSpan s) => s.Attributes.GetValueOrDefault("db.query.text") as string;

    private static string Body(ReceivedLog l) => l.Body as string ?? string.Empty;

    private static string Errors(string agentLog) => string.Join('\n', agentLog.Split('\n').Where(l => l.Contains("ERROR", StringComparison.OrdinalIgnoreCase)));

    /// <summary>The "traces=..." part of the agent's startup summary.</summary>
    internal static string StartupLine(string agentLog, string part)
    {
        foreach (var line in agentLog.Split('\n'))
        {
            var at = line.IndexOf(part, StringComparison.Ordinal);
            if (at >= 0)
            {
                var end = line.IndexOf(']', at);
                return end < 0 ? line[at..] : line[at..(end + 1)];
            }
        }

        return string.Empty;
    }

    /// <summary>A span of the trace that must exist exactly once and have the given parent.</summary>
    private sealed class SpanAt
    {
        internal SpanAt(IReadOnlyList<ReceivedSpan> trace, Func<ReceivedSpan, bool> match, string what, string parentSpanId)
        {
            var found = trace.Where(match).ToList();
            Assert.True(found.Count == 1, $"expected one {what} in the request's trace, found {found.Count}:\n" + TelemetrySummary.List("trace", trace, TelemetrySummary.Describe));
            Span = found[0];
            Assert.True(Span.ParentSpanId == parentSpanId, $"{what} has parent {Span.ParentSpanId}, expected {parentSpanId}:\n" + TelemetrySummary.List("trace", trace, TelemetrySummary.Describe));
        }

        internal ReceivedSpan Span { get; }
    }
}
