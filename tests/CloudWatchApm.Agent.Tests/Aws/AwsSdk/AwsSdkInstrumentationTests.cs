// The AWS SDK instrumentation with the SDK's real DynamoDB and SQS clients against local
// fakes (ServiceURL override, fake credentials): the spans, their attributes and errors, the
// X-Amzn-Trace-Id header, and trace context through SQS in the AWSTraceHeader system attribute.
using System.Diagnostics;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Amazon.Runtime;
using Amazon.SQS;
using Amazon.SQS.Model;
using CloudWatchApm.Agent.Aws.AwsSdk;
using CloudWatchApm.Agent.Aws.XRay;
using OpenTelemetry;
using OpenTelemetry.Trace;
using Xunit;

namespace CloudWatchApm.Agent.Tests.Aws.AwsSdk;

[Collection(AwsProcessStateCollection.Name)]
public sealed class AwsSdkInstrumentationTests : IDisposable
{
    private const string QueueUrl = "https://sqs.us-east-1.amazonaws.com/123456789012/orders";

    private static readonly ActivitySource TestSource = new("AwsSdkInstrumentationTests");

    private readonly FakeAwsServices _aws = new();
    private readonly SpanCollector _spans = new();
    private readonly TracerProvider _provider;

    public AwsSdkInstrumentationTests()
    {
        AwsSdkInstrumentation.Install(_ => { });
        _provider = Sdk.CreateTracerProviderBuilder()
            .AddSource(TestSource.Name, AwsSdkInstrumentation.SourceName)
            .AddHttpClientInstrumentation()
            .AddProcessor(_spans)
            .Build()!;
    }

    public void Dispose()
    {
        _provider.Dispose();
        _aws.Dispose();
    }

    [Fact]
    public void AwsSdkInstrumentation_AfterInstall_IsRegisteredWithTheSdk()
    {
        Assert.True(AwsSdkInstrumentation.IsRegistered);
        Assert.False(AwsSdkInstrumentation.TryRegister(typeof(object).Assembly));
    }

    [Fact]
    public async Task DynamoDbGetItem_UnderAParent_IsOneClientSpanWithRpcTableRequestIdAndStatus()
    {
        using var client = DynamoDb();
        Activity parent;
        using (parent = TestSource.StartActivity("parent")!)
        {
            var response = await client.GetItemAsync(new GetItemRequest { TableName = "orders", Key = new() { ["id"] = new AttributeValue { S = "42" } } });
            Assert.Equal("shipped", response.Item["status"].S);
        }

        var trace = _spans.InTrace(parent.TraceId);
        var span = Assert.Single(trace, a => a.Source.Name == AwsSdkInstrumentation.SourceName);
        Assert.Equal("DynamoDB.GetItem", span.DisplayName);
        Assert.Equal(ActivityKind.Client, span.Kind);
        Assert.Equal(parent.SpanId, span.ParentSpanId);
        Assert.Equal("aws-api", span.GetTagItem("rpc.system"));
        Assert.Equal("DynamoDB", span.GetTagItem("rpc.service"));
        Assert.Equal("GetItem", span.GetTagItem("rpc.method"));
        Assert.Equal(new[] { "orders" }, span.GetTagItem("aws.dynamodb.table_names"));
        Assert.Equal(200, span.GetTagItem("http.response.status_code"));
        Assert.Equal("us-east-1", span.GetTagItem("cloud.region"));
        Assert.Equal("127.0.0.1", span.GetTagItem("server.address"));
        Assert.StartsWith("req-", (string)span.GetTagItem("aws.request_id")!, StringComparison.Ordinal);
        Assert.Equal(ActivityStatusCode.Unset, span.Status);

        // The HTTP attempt is not a second client span.
        Assert.Equal(2, trace.Count);

        // AWS services continue the trace from X-Amzn-Trace-Id.
        var header = _aws.LastRequest("DynamoDB_20120810.GetItem").Header("X-Amzn-Trace-Id");
        Assert.NotNull(header);
        Assert.True(XRayPropagator.TryParse(header, out var sent));
        Assert.Equal(span.TraceId, sent.TraceId);
        Assert.Equal(span.SpanId, sent.SpanId);
    }

    [Fact]
    public async Task DynamoDbGetItem_ServiceAnswers400_SpanRecordsTheErrorCodeStatusAndException()
    {
        using var client = DynamoDb();
        Activity parent;
        using (parent = TestSource.StartActivity("parent")!)
        {
            await Assert.ThrowsAsync<Amazon.DynamoDBv2.Model.ResourceNotFoundException>(() => client.GetItemAsync(new GetItemRequest { TableName = "missing", Key = new() { ["id"] = new AttributeValue { S = "1" } } }));
        }

        var span = Assert.Single(_spans.InTrace(parent.TraceId), a => a.Source.Name == AwsSdkInstrumentation.SourceName);
        Assert.Equal(ActivityStatusCode.Error, span.Status);
        Assert.Equal(400, span.GetTagItem("http.response.status_code"));
        Assert.Equal("ResourceNotFoundException", span.GetTagItem("error.type"));
        Assert.StartsWith("req-", (string)span.GetTagItem("aws.request_id")!, StringComparison.Ordinal);
        Assert.Contains(span.Events, e => e.Name == "exception");
    }

    [Fact]
    public async Task ConcurrentCalls_OnOneClient_EachSpanHasItsOwnParentAndTable()
    {
        using var client = DynamoDb();
        var parents = new Activity[24];
        await Task.WhenAll(Enumerable.Range(0, parents.Length).Select(i => Task.Run(async () =>
        {
            using var parent = TestSource.StartActivity("parent-" + i)!;
            parents[i] = parent;
            await client.GetItemAsync(new GetItemRequest { TableName = "table-" + i, Key = new() { ["id"] = new AttributeValue { S = "1" } } });
        })));

        for (var i = 0; i < parents.Length; i++)
        {
            var span = Assert.Single(_spans.InTrace(parents[i].TraceId), a => a.Source.Name == AwsSdkInstrumentation.SourceName);
            Assert.Equal(parents[i].SpanId, span.ParentSpanId);
            Assert.Equal(new[] { "table-" + i }, span.GetTagItem("aws.dynamodb.table_names"));
        }
    }

    [Fact]
    public async Task SqsSendMessage_TraceContextGoesInTheAwsTraceHeaderSystemAttributeNotAUserAttribute()
    {
        using var client = Sqs();
        await client.SendMessageAsync(new SendMessageRequest { QueueUrl = QueueUrl, MessageBody = "hello" });

        var span = Assert.Single(_spans.Ended, a => a.DisplayName == "SQS.SendMessage");
        Assert.Equal(ActivityKind.Producer, span.Kind);
        Assert.Equal("aws_sqs", span.GetTagItem("messaging.system"));
        Assert.Equal("orders", span.GetTagItem("messaging.destination.name"));
        Assert.Equal("send", span.GetTagItem("messaging.operation.type"));
        Assert.Equal(QueueUrl, span.GetTagItem("aws.sqs.queue.url"));

        var sent = FakeAwsServices.Json(_aws.LastRequest("AmazonSQS.SendMessage"));
        var header = sent.GetProperty("MessageSystemAttributes").GetProperty("AWSTraceHeader");
        Assert.Equal("String", header.GetProperty("DataType").GetString());
        Assert.True(XRayPropagator.TryParse(header.GetProperty("StringValue").GetString(), out var context));
        Assert.Equal(span.TraceId, context.TraceId);
        Assert.Equal(span.SpanId, context.SpanId);
        Assert.False(sent.TryGetProperty("MessageAttributes", out _));
    }

    [Fact]
    public async Task SqsSendMessage_AppSetItsOwnAwsTraceHeader_ItIsKept()
    {
        using var client = Sqs();
        const string own = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1";
        await client.SendMessageAsync(new SendMessageRequest
        {
            QueueUrl = QueueUrl,
            MessageBody = "hello",
            MessageSystemAttributes = new() { ["AWSTraceHeader"] = new MessageSystemAttributeValue { DataType = "String", StringValue = own } },
        });

        var sent = FakeAwsServices.Json(_aws.LastRequest("AmazonSQS.SendMessage"));
        Assert.Equal(own, sent.GetProperty("MessageSystemAttributes").GetProperty("AWSTraceHeader").GetProperty("StringValue").GetString());
    }

    [Fact]
    public async Task SqsSendMessageBatch_EveryEntryCarriesTheProducerContext()
    {
        using var client = Sqs();
        await client.SendMessageBatchAsync(new SendMessageBatchRequest
        {
            QueueUrl = QueueUrl,
            Entries = [new() { Id = "a", MessageBody = "one" }, new() { Id = "b", MessageBody = "two" }],
        });

        var span = Assert.Single(_spans.Ended, a => a.DisplayName == "SQS.SendMessageBatch");
        Assert.Equal(2, span.GetTagItem("messaging.batch.message_count"));
        var entries = FakeAwsServices.Json(_aws.LastRequest("AmazonSQS.SendMessageBatch")).GetProperty("Entries").EnumerateArray().ToList();
        Assert.Equal(2, entries.Count);
        Assert.All(entries, entry =>
        {
            Assert.True(XRayPropagator.TryParse(entry.GetProperty("MessageSystemAttributes").GetProperty("AWSTraceHeader").GetProperty("StringValue").GetString(), out var context));
            Assert.Equal(span.SpanId, context.SpanId);
        });
    }

    [Fact]
    public async Task SqsReceiveMessage_LinksToEachProducerAndGivesTheAppBackWhatItAskedFor()
    {
        using var client = Sqs();
        await client.SendMessageAsync(new SendMessageRequest { QueueUrl = QueueUrl, MessageBody = "first" });
        await client.SendMessageAsync(new SendMessageRequest { QueueUrl = QueueUrl, MessageBody = "second" });
        var producers = _spans.Ended.Where(a => a.DisplayName == "SQS.SendMessage").ToList();

        var request = new ReceiveMessageRequest { QueueUrl = QueueUrl, MaxNumberOfMessages = 10 };
        var response = await client.ReceiveMessageAsync(request);

        // The agent asked for the system attribute...
        var asked = FakeAwsServices.Json(_aws.LastRequest("AmazonSQS.ReceiveMessage")).GetProperty("MessageSystemAttributeNames");
        Assert.Contains(asked.EnumerateArray(), n => n.GetString() == "AWSTraceHeader");

        // ...and the app sees its request and messages as it would without the agent.
        Assert.Null(request.MessageSystemAttributeNames);
        Assert.Equal(2, response.Messages.Count);
        Assert.All(response.Messages, m => Assert.Null(m.Attributes));

        var receive = Assert.Single(_spans.Ended, a => a.DisplayName == "SQS.ReceiveMessage");
        Assert.Equal(ActivityKind.Client, receive.Kind);
        Assert.Equal(2, receive.GetTagItem("messaging.batch.message_count"));
        Assert.Equal(producers.Select(p => (p.TraceId, p.SpanId)).OrderBy(x => x.SpanId.ToHexString()), receive.Links.Select(l => (l.Context.TraceId, l.Context.SpanId)).OrderBy(x => x.SpanId.ToHexString()));
    }

    [Fact]
    public async Task SqsReceiveMessage_AppAsksForAllAttributes_KeepsThemAndStillLinks()
    {
        using var client = Sqs();
        await client.SendMessageAsync(new SendMessageRequest { QueueUrl = QueueUrl, MessageBody = "first" });

        var response = await client.ReceiveMessageAsync(new ReceiveMessageRequest { QueueUrl = QueueUrl, MessageSystemAttributeNames = ["All"] });

        var message = Assert.Single(response.Messages);
        Assert.True(message.Attributes.ContainsKey("AWSTraceHeader"));
        Assert.Single(Assert.Single(_spans.Ended, a => a.DisplayName == "SQS.ReceiveMessage").Links);
    }

    private AmazonDynamoDBClient DynamoDb() => new(
        new BasicAWSCredentials("AKIDTEST", "test-secret"),
        new AmazonDynamoDBConfig { ServiceURL = _aws.ServiceUrl, AuthenticationRegion = "us-east-1", MaxErrorRetry = 0 });

    private AmazonSQSClient Sqs() => new(
        new BasicAWSCredentials("AKIDTEST", "test-secret"),
        new AmazonSQSConfig { ServiceURL = _aws.ServiceUrl, AuthenticationRegion = "us-east-1", MaxErrorRetry = 0 });
}
