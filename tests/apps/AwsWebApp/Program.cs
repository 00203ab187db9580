// Test application: an unmodified ASP.NET Core service using DynamoDB and SQS through the AWS
// SDK for .NET v4 and calling a second service. It knows nothing about the agent.
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Amazon.SQS;
using Amazon.SQS.Model;

var builder = WebApplication.CreateBuilder(args);
builder.Services.AddHttpClient();
builder.Logging.ClearProviders();
var app = builder.Build();

var queueUrl = Environment.GetEnvironmentVariable("QUEUE_URL") ?? "https://sqs.us-east-1.amazonaws.com/123456789012/orders";
var dynamo = new AmazonDynamoDBClient(new AmazonDynamoDBConfig { ServiceURL = Environment.GetEnvironmentVariable("DYNAMODB_URL"), AuthenticationRegion = "us-east-1", MaxErrorRetry = 0 });
var sqs = new AmazonSQSClient(new AmazonSQSConfig { ServiceURL = Environment.GetEnvironmentVariable("SQS_URL"), AuthenticationRegion = "us-east-1", MaxErrorRetry = 0 });

app.MapGet("/health", () => "ok");
app.MapGet("/orders/{id}", async (string id, IHttpClientFactory factory) =>
{
    try
    {
        var item = await dynamo.GetItemAsync(new GetItemRequest { TableName = id == "missing" ? "missing" : "orders", Key = new() { ["id"] = new AttributeValue { S = id } } });
        var user = await factory.CreateClient().GetStringAsync(new Uri(new Uri(Environment.GetEnvironmentVariable("DOWNSTREAM_URL")!), "/users/" + id));
        return Results.Ok(new { id, status = item.Item["status"].S, user });
    }
    catch (Amazon.DynamoDBv2.Model.ResourceNotFoundException)
    {
        return Results.NotFound();
    }
});
app.MapGet("/fail", string () => throw new InvalidOperationException("boom"));
app.MapPost("/enqueue/{text}", async (string text) =>
{
    var sent = await sqs.SendMessageAsync(new SendMessageRequest { QueueUrl = queueUrl, MessageBody = text });
    return Results.Ok(new { sent.MessageId });
});
app.MapPost("/receive", async () =>
{
    var received = await sqs.ReceiveMessageAsync(new ReceiveMessageRequest { QueueUrl = queueUrl, MaxNumberOfMessages = 10 });
    return Results.Ok(new { count = received.Messages?.Count ?? 0, attributes = received.Messages?.Count(m => m.Attributes is not null) ?? 0 });
});

app.Run();
