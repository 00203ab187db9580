// DynamoDB and SQS as seen by the AWS SDK's JSON protocol (X-Amz-Target selects the operation),
// on Kestrel at 127.0.0.1 and a free port: enough for the test app's real clients. Records each
// request so tests can look at what the agent put on the wire.
using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace CloudWatchApm.Agent.IntegrationTests.Aws;

internal sealed record AwsCall(string Target, JsonObject Body, IReadOnlyDictionary<string, string> Headers);

internal sealed class FakeAwsEndpoint : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<JsonObject> _queue = new();
    private int _ids;

    private FakeAwsEndpoint(WebApplication app)
    {
        _app = app;
    }

    internal string Url { get; private set; } = string.Empty;

    internal ConcurrentQueue<AwsCall> Calls { get; } = new();

    internal static async Task<FakeAwsEndpoint> StartAsync()
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        builder.Services.AddRouting();
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(1));
        var app = builder.Build();
        var fake = new FakeAwsEndpoint(app);
        app.MapPost("/", fake.HandleAsync);
        await app.StartAsync();
        fake.Url = app.Urls.First().Replace("[::1]", "127.0.0.1", StringComparison.Ordinal) + "/";
        return fake;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task HandleAsync(HttpContext context)
    {
        using var reader = new StreamReader(context.Request.Body);
        var text = await reader.ReadToEndAsync();
        var body = JsonNode.Parse(text.Length == 0 ? "{}" : text)!.AsObject();
        var target = context.Request.Headers["X-Amz-Target"].ToString();
        Calls.Enqueue(new AwsCall(target, body, context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase)));
        context.Response.Headers["x-amzn-RequestId"] = "fake-" + Interlocked.Increment(ref _ids);
        context.Response.ContentType = "application/x-amz-json-1.0";
        var (status, answer) = Answer(target, body);
        context.Response.StatusCode = status;
        await context.Response.WriteAsync(answer.ToJsonString());
    }

    private (int Status, JsonObject Body) Answer(string target, JsonObject body)
    {
        switch (target)
        {
            case "DynamoDB_20120810.GetItem" when (string?)body["TableName"] == "missing":
                return (400, new JsonObject { ["__type"] = "com.amazonaws.dynamodb.v20120810#ResourceNotFoundException", ["message"] = "Requested resource not found" });
            case "DynamoDB_20120810.GetItem":
                return (200, new JsonObject { ["Item"] = new JsonObject { ["id"] = new JsonObject { ["S"] = (string?)body["Key"]?["id"]?["S"] }, ["status"] = new JsonObject { ["S"] = "shipped" } } });
            case "AmazonSQS.SendMessage":
                var message = new JsonObject
                {
                    ["MessageId"] = Guid.NewGuid().ToString("N"),
                    ["ReceiptHandle"] = Guid.NewGuid().ToString("N"),
                    ["Body"] = (string)body["MessageBody"]!,
                    ["MD5OfBody"] = Md5((string)body["MessageBody"]!),
                };
                if (body["MessageSystemAttributes"]?["AWSTraceHeader"]?["StringValue"] is JsonNode header)
                {
                    message["Attributes"] = new JsonObject { ["AWSTraceHeader"] = (string)header! };
                }

                _queue.Enqueue(message);
                return (200, new JsonObject { ["MessageId"] = (string)message["MessageId"]!, ["MD5OfMessageBody"] = Md5((string)body["MessageBody"]!) });
            case "AmazonSQS.ReceiveMessage":
                var messages = new JsonArray();
                while (_queue.TryDequeue(out var queued))
                {
                    messages.Add(queued);
                }

                return (200, new JsonObject { ["Messages"] = messages });
            default:
                return (400, new JsonObject { ["__type"] = "UnknownOperationException", ["message"] = target });
        }
    }

    private static string Md5(string text)
    {
#pragma warning disable CA5351 // SQS defines its body checksum as MD5.
        return Convert.ToHexStringLower(MD5.HashData(Encoding.UTF8.GetBytes(text)));
#pragma warning restore CA5351
    }
}
