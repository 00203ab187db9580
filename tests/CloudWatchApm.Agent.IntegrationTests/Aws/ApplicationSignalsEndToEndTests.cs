// The AWS features end to end, the way a user runs them: an unmodified web app that uses the
// AWS SDK (DynamoDB, SQS) and calls a second instrumented service, started through
// instrument.sh with OTEL_AWS_APPLICATION_SIGNALS_ENABLED=true. The mock collector must receive
// the spans (AWS SDK spans included, with the Application Signals attributes on them) and the
// Latency/Error/Fault metrics with the dimensions CloudWatch Application Signals uses.
using CloudWatchApm.Agent.IntegrationTests.Collector;
using CloudWatchApm.Agent.IntegrationTests.Infrastructure;
using CloudWatchApm.Agent.IntegrationTests.ZeroCode;
using Xunit;

namespace CloudWatchApm.Agent.IntegrationTests.Aws;

public sealed class ApplicationSignalsEndToEndTests
{
    private const string MeterName = "CloudWatchApm.ApplicationSignals";
    private static readonly TimeSpan Ready = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    public ApplicationSignalsEndToEndTests() => TestPaths.RequireAgentHome();

    [Fact]
    public async Task AwsWebApp_WithApplicationSignals_ExportsAwsSpansAndLatencyErrorFaultWithDimensions()
    {
        await using var collector = await MockCollector.StartAsync();
        await using var aws = await FakeAwsEndpoint.StartAsync();
        await using var users = AppProcess.StartApp(TestPaths.App("WebApp", "net10.0"), "WebApp", ApplicationSignalsEnv(collector, "users-api"));
        await users.WaitUntilReadyAsync(Ready);
        await using var orders = AppProcess.StartApp(TestPaths.App("AwsWebApp", "net10.0"), "AwsWebApp", AwsAppEnv(collector, aws, users));
        await orders.WaitUntilReadyAsync(Ready);

        Assert.Contains("shipped", await orders.GetAsync("/orders/42"), StringComparison.Ordinal);
        using (var missing = await orders.SendAsync(new HttpRequestMessage(HttpMethod.Get, new Uri(orders.BaseAddress, "/orders/missing"))))
        {
            Assert.Equal(404, (int)missing.StatusCode);
        }

        using (var fail = await orders.SendAsync(new HttpRequestMessage(HttpMethod.Get, new Uri(orders.BaseAddress, "/fail"))))
        {
            Assert.Equal(500, (int)fail.StatusCode);
        }

        using (await orders.SendAsync(new HttpRequestMessage(HttpMethod.Post, new Uri(orders.BaseAddress, "/enqueue/hello"))))
        {
        }

        using (var receive = await orders.SendAsync(new HttpRequestMessage(HttpMethod.Post, new Uri(orders.BaseAddress, "/receive"))))
        {
            // The app gets its messages without the system attribute it never asked for.
            Assert.Equal("{\"count\":1,\"attributes\":0}", await receive.Content.ReadAsStringAsync());
        }

        // Spans: server -> DynamoDB client span and HTTP client span -> the other service's server span.
        var spans = await collector.WaitForSpansAsync(
            s => s.Any(x => x.Name == "DynamoDB.GetItem") && s.Any(x => x.Name == "GET /users/{id}") && s.Any(x => x.Name == "SQS.ReceiveMessage"),
            Wait);
        var order = Assert.Single(spans, s => s.Name == "GET /orders/{id}" && s.Attributes.GetValueOrDefault("http.response.status_code") is 200L);
        Assert.Equal("LOCAL_ROOT", order.Attributes["aws.span.kind"]);
        Assert.Equal("GET /orders/{id}", order.Attributes["aws.local.operation"]);
        var dynamo = Assert.Single(spans, s => s.Name == "DynamoDB.GetItem" && s.ParentSpanId == order.SpanId);
        Assert.Equal(OtlpSpanKind.Client, dynamo.Kind);
        Assert.Equal("aws-api", dynamo.Attributes["rpc.system"]);
        Assert.Equal("GetItem", dynamo.Attributes["rpc.method"]);
        Assert.Equal("us-east-1", dynamo.Attributes["cloud.region"]);
        Assert.Equal("AWS::DynamoDB", dynamo.Attributes["aws.remote.service"]);
        Assert.Equal("orders", dynamo.Attributes["aws.remote.resource.identifier"]);
        Assert.Equal("GET /orders/{id}", dynamo.Attributes["aws.local.operation"]);
        Assert.DoesNotContain(spans, s => s.ParentSpanId == dynamo.SpanId);
        var call = Assert.Single(spans, s => s.Kind == OtlpSpanKind.Client && s.ParentSpanId == order.SpanId && s.Name != "DynamoDB.GetItem");
        Assert.Equal("127.0.0.1:" + users.Port, call.Attributes["aws.remote.service"]);
        var downstream = Assert.Single(spans, s => s.Name == "GET /users/{id}" && s.TraceId == order.TraceId);
        Assert.Equal(call.SpanId, downstream.ParentSpanId);
        Assert.Equal("users-api", downstream.ResourceAttributes["service.name"]);

        // SQS: the producer's context travelled in the AWSTraceHeader system attribute and the receive span links to it.
        var send = Assert.Single(spans, s => s.Name == "SQS.SendMessage");
        Assert.Equal(OtlpSpanKind.Producer, send.Kind);
        var sent = Assert.Single(aws.Calls, c => c.Target == "AmazonSQS.SendMessage");
        var header = (string)sent.Body["MessageSystemAttributes"]!["AWSTraceHeader"]!["StringValue"]!;
        Assert.Contains("Root=1-" + send.TraceId[..8] + "-" + send.TraceId[8..], header, StringComparison.Ordinal);
        Assert.Contains("Parent=" + send.SpanId, header, StringComparison.Ordinal);
        Assert.Null(sent.Body["MessageAttributes"]);
        var receiveSpan = Assert.Single(spans, s => s.Name == "SQS.ReceiveMessage");
        var link = Assert.Single(receiveSpan.Links);
        Assert.Equal((send.TraceId, send.SpanId), (link.TraceId, link.SpanId));

        // Metrics: service and dependency dimensions, delta exponential histograms over OTLP/HTTP.
        await collector.WaitForMetricsAsync(
            m => Sum(m, "Fault", ("aws.local.operation", "GET /fail")) >= 1
                && Sum(m, "Error", ("aws.local.operation", "GET /orders/{id}"), ("aws.span.kind", "LOCAL_ROOT")) >= 1
                && Count(m, "Latency", ("aws.remote.service", "AWS::DynamoDB")) >= 2
                && Count(m, "Latency", ("aws.remote.service", "127.0.0.1:" + users.Port)) >= 1
                && Count(m, "Latency", ("aws.remote.service", "AWS::SQS")) >= 2,
            Wait);
        var metrics = collector.Metrics.Where(m => m.ScopeName == MeterName).ToList();
        Assert.All(metrics, m => Assert.Equal(OtlpMetricType.ExponentialHistogram, m.Type));
        Assert.All(metrics, m => Assert.Equal(OtlpTemporality.Delta, m.Temporality));
        Assert.All(metrics, m => Assert.Equal(OtlpTransport.Http, m.Transport));
        Assert.Equal(["Error", "Fault", "Latency"], metrics.Select(m => m.Name).Distinct().Order());

        var service = Point(metrics, "Latency", ("aws.local.operation", "GET /orders/{id}"), ("aws.span.kind", "LOCAL_ROOT"));
        Assert.Equal(["aws.local.operation", "aws.local.service", "aws.span.kind"], service.Attributes.Keys.Order());
        Assert.Equal("orders-api", service.Attributes["aws.local.service"]);
        var dependency = Point(metrics, "Latency", ("aws.remote.service", "AWS::DynamoDB"), ("aws.remote.resource.identifier", "orders"));
        Assert.Equal("GET /orders/{id}", dependency.Attributes["aws.local.operation"]);
        Assert.Equal("CLIENT", dependency.Attributes["aws.span.kind"]);
        Assert.Equal("GetItem", dependency.Attributes["aws.remote.operation"]);
        Assert.Equal("AWS::DynamoDB::Table", dependency.Attributes["aws.remote.resource.type"]);
        Assert.True(Sum(collector.Metrics, "Error", ("aws.remote.service", "AWS::DynamoDB"), ("aws.remote.resource.identifier", "missing")) >= 1);
        Assert.Equal(0, Sum(collector.Metrics, "Fault", ("aws.remote.service", "AWS::DynamoDB"), ("aws.remote.resource.identifier", "orders")));
        var http = Point(metrics, "Latency", ("aws.remote.service", "127.0.0.1:" + users.Port));
        Assert.Equal("GET /users", http.Attributes["aws.remote.operation"]);

        // The second service measures its own side.
        await collector.WaitForMetricsAsync(m => Count(m, "Latency", ("aws.local.service", "users-api"), ("aws.local.operation", "GET /users/{id}")) >= 1, Wait);

        Assert.True(await orders.StopAsync(TimeSpan.FromSeconds(20)));
        Assert.Contains("application signals=", orders.AgentLog(), StringComparison.Ordinal);
        Assert.Contains("AWS SDK instrumentation registered", orders.AgentLog(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AwsWebApp_SamplerDropsEverything_SpansAreNotExportedButStillMeasured()
    {
        await using var collector = await MockCollector.StartAsync();
        await using var aws = await FakeAwsEndpoint.StartAsync();
        await using var users = AppProcess.StartApp(TestPaths.App("WebApp", "net10.0"), "WebApp", ZeroCodeTests.Env(collector, "users-api"));
        await users.WaitUntilReadyAsync(Ready);
        var env = AwsAppEnv(collector, aws, users);
        env["OTEL_TRACES_SAMPLER"] = "always_off";
        await using var orders = AppProcess.StartApp(TestPaths.App("AwsWebApp", "net10.0"), "AwsWebApp", env);
        await orders.WaitUntilReadyAsync(Ready);

        for (var i = 0; i < 3; i++)
        {
            Assert.Contains("shipped", await orders.GetAsync("/orders/" + i), StringComparison.Ordinal);
        }

        await collector.WaitForMetricsAsync(
            m => Count(m, "Latency", ("aws.local.operation", "GET /orders/{id}"), ("aws.span.kind", "LOCAL_ROOT")) >= 3
                && Count(m, "Latency", ("aws.remote.service", "AWS::DynamoDB")) >= 3,
            Wait);
        Assert.True(await orders.StopAsync(TimeSpan.FromSeconds(20)));
        Assert.DoesNotContain(collector.Spans, s => s.ResourceAttributes["service.name"] as string == "orders-api");
    }

    private static Dictionary<string, string?> ApplicationSignalsEnv(MockCollector collector, string service)
    {
        var env = ZeroCodeTests.Env(collector, service);
        env["OTEL_AWS_APPLICATION_SIGNALS_ENABLED"] = "true";
        env["OTEL_AWS_APPLICATION_SIGNALS_EXPORTER_ENDPOINT"] = collector.HttpEndpoint + "/v1/metrics";
        env["OTEL_BSP_SCHEDULE_DELAY"] = "200";
        return env;
    }

    private static Dictionary<string, string?> AwsAppEnv(MockCollector collector, FakeAwsEndpoint aws, AppProcess downstream)
    {
        var env = ApplicationSignalsEnv(collector, "orders-api");
        env["DYNAMODB_URL"] = aws.Url;
        env["SQS_URL"] = aws.Url;
        env["DOWNSTREAM_URL"] = downstream.BaseAddress.ToString();
        env["AWS_ACCESS_KEY_ID"] = "AKIDLOCALTEST";
        env["AWS_SECRET_ACCESS_KEY"] = "local-secret";
        env["AWS_REGION"] = "us-east-1";
        env["AWS_EC2_METADATA_DISABLED"] = "true";
        return env;
    }

    private static IEnumerable<ReceivedMetricPoint> Points(IEnumerable<ReceivedMetric> metrics, string name, params (string Key, string Value)[] attributes)
        => metrics.Where(m => m.ScopeName == MeterName && m.Name == name)
            .SelectMany(m => m.Points)
            .Where(p => attributes.All(a => p.Attributes.TryGetValue(a.Key, out var v) && v as string == a.Value));

    private static ReceivedMetricPoint Point(IEnumerable<ReceivedMetric> metrics, string name, params (string Key, string Value)[] attributes)
        => Points(metrics, name, attributes).First();

    private static double Sum(IEnumerable<ReceivedMetric> metrics, string name, params (string Key, string Value)[] attributes)
        => Points(metrics, name, attributes).Sum(p => p.Sum ?? 0);

    private static ulong Count(IEnumerable<ReceivedMetric> metrics, string name, params (string Key, string Value)[] attributes)
        => Points(metrics, name, attributes).Aggregate(0UL, (total, p) => total + (p.Count ?? 0));
}
