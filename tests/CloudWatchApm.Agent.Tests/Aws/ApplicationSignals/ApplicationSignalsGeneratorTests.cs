// Which dimensions a span is measured under: operations from routes and configured paths
// (never the raw path), remote services and resources, the bound on distinct operations.
using System.Diagnostics;
using CloudWatchApm.Agent.Aws.ApplicationSignals;
using Xunit;

namespace CloudWatchApm.Agent.Tests.Aws.ApplicationSignals;

public sealed class ApplicationSignalsGeneratorTests : IDisposable
{
    private readonly SpanFactory _spans = new();

    public void Dispose() => _spans.Dispose();

    [Fact]
    public void Generator_ServerSpanWithRoute_OperationIsTheRouteTemplateAndKindLocalRoot()
    {
        var generator = new ApplicationSignalsGenerator("orders");
        using var server = _spans.Start("GET /users/{id}", ActivityKind.Server, SpanFactory.RemoteParent, ("http.request.method", "GET"), ("url.path", "/users/42"), ("http.route", "/users/{id}"));

        var service = generator.Service(server)!;

        Assert.Equal("orders", service.LocalService);
        Assert.Equal("GET /users/{id}", service.LocalOperation);
        Assert.Equal("LOCAL_ROOT", service.SpanKind);
        Assert.Null(generator.Dependency(server));
        Assert.Equal(["aws.local.service", "aws.local.operation", "aws.span.kind"], service.Tags.Select(t => t.Key));
    }

    [Fact]
    public void Generator_ServerSpanWithoutRoute_UsesMethodAndFirstSegmentNeverTheRawPath()
    {
        var generator = new ApplicationSignalsGenerator("orders");
        using var server = _spans.Start("GET", ActivityKind.Server, ("http.request.method", "GET"), ("url.path", "/users/42/orders/7"));

        Assert.Equal("GET /users", generator.Service(server)!.LocalOperation);
    }

    [Fact]
    public void Generator_ConfiguredOperationPaths_WinOverTheRoute()
    {
        var generator = new ApplicationSignalsGenerator("orders", new OperationPaths(["/api/users/{userId}", "/api/users/{userId}/orders"]));
        using var server = _spans.Start("GET /{**path}", ActivityKind.Server, ("http.request.method", "POST"), ("url.path", "/api/users/99/orders"), ("http.route", "/{**path}"));

        Assert.Equal("POST /api/users/{userId}/orders", generator.Service(server)!.LocalOperation);
    }

    [Fact]
    public void Generator_NonServerLocalRoot_IsInternalOperation()
    {
        var generator = new ApplicationSignalsGenerator("worker");
        using var job = _spans.Start("nightly-job", ActivityKind.Internal);

        var service = generator.Service(job)!;

        Assert.Equal("InternalOperation", service.LocalOperation);
        Assert.Equal("LOCAL_ROOT", service.SpanKind);
    }

    [Fact]
    public void Generator_InternalChildSpan_IsNotMeasured()
    {
        var generator = new ApplicationSignalsGenerator("orders");
        using var server = _spans.Start("GET /a", ActivityKind.Server, ("http.request.method", "GET"), ("http.route", "/a"));
        using var child = _spans.Start("work", ActivityKind.Internal);

        Assert.Null(generator.Service(child));
        Assert.Null(generator.Dependency(child));
    }

    [Fact]
    public void Generator_HttpClientUnderServer_TakesTheServerOperationAndHostPortAsRemoteService()
    {
        var generator = new ApplicationSignalsGenerator("orders");
        using var server = _spans.Start("GET /orders/{id}", ActivityKind.Server, ("http.request.method", "GET"), ("http.route", "/orders/{id}"));
        using var client = _spans.Start("GET", ActivityKind.Client, ("http.request.method", "GET"), ("server.address", "users.internal"), ("server.port", 8080), ("url.full", "http://users.internal:8080/users/42?x=1"));

        var dependency = generator.Dependency(client)!;

        Assert.Equal("GET /orders/{id}", dependency.LocalOperation);
        Assert.Equal("CLIENT", dependency.SpanKind);
        Assert.Equal("users.internal:8080", dependency.RemoteService);
        Assert.Equal("GET /users", dependency.RemoteOperation);
        Assert.Null(generator.Service(client));
    }

    [Fact]
    public void Generator_AwsSdkSpan_RemoteIsTheAwsServiceWithTheTableAsResource()
    {
        var generator = new ApplicationSignalsGenerator("orders");
        using var server = _spans.Start("GET /orders/{id}", ActivityKind.Server, ("http.request.method", "GET"), ("http.route", "/orders/{id}"));
        using var aws = _spans.Start("DynamoDB.GetItem", ActivityKind.Client, ("rpc.system", "aws-api"), ("rpc.service", "DynamoDB"), ("rpc.method", "GetItem"), ("aws.dynamodb.table_names", new[] { "orders" }), ("server.address", "127.0.0.1"), ("http.request.method", "POST"));

        var dependency = generator.Dependency(aws)!;

        Assert.Equal("AWS::DynamoDB", dependency.RemoteService);
        Assert.Equal("GetItem", dependency.RemoteOperation);
        Assert.Equal("AWS::DynamoDB::Table", dependency.ResourceType);
        Assert.Equal("orders", dependency.ResourceIdentifier);
        Assert.Equal(7, dependency.Tags.Length);
    }

    [Theory]
    [InlineData("SQS", "aws.sqs.queue.url", "https://sqs.us-east-1.amazonaws.com/123456789012/jobs", "AWS::SQS::Queue", "jobs")]
    [InlineData("S3", "aws.s3.bucket", "invoices", "AWS::S3::Bucket", "invoices")]
    [InlineData("SNS", "aws.sns.topic.arn", "arn:aws:sns:us-east-1:123456789012:alerts", "AWS::SNS::Topic", "alerts")]
    [InlineData("Kinesis", "aws.kinesis.stream_name", "clicks", "AWS::Kinesis::Stream", "clicks")]
    [InlineData("Lambda", "aws.lambda.function.name", "arn:aws:lambda:us-east-1:123456789012:function:resize", "AWS::Lambda::Function", "resize")]
    [InlineData("SecretsManager", "aws.secretsmanager.secret.id", "db-password", "AWS::SecretsManager::Secret", "db-password")]
    public void Generator_AwsResources_HaveTheirCloudFormationTypeAndName(string service, string tag, string value, string type, string id)
    {
        var generator = new ApplicationSignalsGenerator("orders");
        using var aws = _spans.Start(service + ".Op", ActivityKind.Client, ("rpc.system", "aws-api"), ("rpc.service", service), ("rpc.method", "Op"), (tag, value));

        var dependency = generator.Dependency(aws)!;

        Assert.Equal("AWS::" + service, dependency.RemoteService);
        Assert.Equal(type, dependency.ResourceType);
        Assert.Equal(id, dependency.ResourceIdentifier);
        Assert.Equal("InternalOperation", dependency.LocalOperation);
    }

    [Fact]
    public void Generator_DatabaseAndMessagingSpans_RemoteIsTheSystem()
    {
        var generator = new ApplicationSignalsGenerator("orders");
        using var db = _spans.Start("SELECT", ActivityKind.Client, ("db.system.name", "postgresql"), ("db.operation.name", "SELECT"), ("server.address", "db"));
        using var producer = _spans.Start("publish", ActivityKind.Producer, ("messaging.system", "rabbitmq"), ("messaging.operation.type", "send"));

        Assert.Equal(("postgresql", "SELECT"), (generator.Dependency(db)!.RemoteService, generator.Dependency(db)!.RemoteOperation));
        Assert.Equal(("rabbitmq", "send", "PRODUCER"), (generator.Dependency(producer)!.RemoteService, generator.Dependency(producer)!.RemoteOperation, generator.Dependency(producer)!.SpanKind));
    }

    [Fact]
    public void Generator_UnknownServiceName_IsReportedAsUnknownService()
        => Assert.Equal("UnknownService", new ApplicationSignalsGenerator("unknown_service:dotnet").LocalService);

    [Fact]
    public void Generator_MoreDistinctOperationsThanTheBound_OverflowToAllOtherOperations()
    {
        var generator = new ApplicationSignalsGenerator("orders", maxOperations: 3);
        var operations = new List<string>();
        for (var i = 0; i < 6; i++)
        {
            using var server = _spans.Start("GET", ActivityKind.Server, ("http.request.method", "GET"), ("url.path", "/item" + i + "/x"));
            operations.Add(generator.Service(server)!.LocalOperation);
        }

        Assert.Equal(["GET /item0", "GET /item1", "GET /item2", "AllOtherOperations", "AllOtherOperations", "AllOtherOperations"], operations);
    }

    [Fact]
    public void Generator_SameSpanShapeTwice_ReturnsTheCachedDimensions()
    {
        var generator = new ApplicationSignalsGenerator("orders");
        using var a = _spans.Start("GET", ActivityKind.Server, ("http.request.method", "GET"), ("http.route", "/a/{id}"));
        var first = generator.Service(a);
        a.Stop();
        using var b = _spans.Start("GET", ActivityKind.Server, ("http.request.method", "GET"), ("http.route", "/a/{id}"));

        Assert.Same(first, generator.Service(b));
    }

    [Theory]
    [InlineData("/api/users", "/api/users")]
    [InlineData("/api/users/42", "/api/users/{userId}")]
    [InlineData("/api/users/42/orders", "/api/users/{userId}/orders")]
    [InlineData("/api/users/42/orders/7/items", "/api/users/{userId}/orders/{orderId}/items")]
    [InlineData("/api/products?page=2", "/api/products")]
    [InlineData("/api/products/9", "/api/products")]
    [InlineData("/health", null)]
    public void OperationPaths_LongestMatchingTemplate_Wins(string path, string? expected)
    {
        var paths = new OperationPaths(["/api/users/{userId}/orders/{orderId}/items", "/api/users/:userId/orders", "/api/users/*", "/api/users", "/api/products"]);
        var match = paths.Match(path);
        Assert.Equal(expected, match?.Replace(":userId", "{userId}", StringComparison.Ordinal).Replace("/*", "/{userId}", StringComparison.Ordinal));
    }
}
