// Local stand-ins for DynamoDB and SQS speaking their JSON protocols (X-Amz-Target selects the
// operation; application/x-amz-json-1.0 bodies; errors as {"__type", "message"} with the
// x-amzn-RequestId header), enough for the SDK's real clients to complete calls against them.
using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace CloudWatchApm.Agent.Tests.Aws.AwsSdk;

internal sealed class FakeAwsServices : IDisposable
{
    private readonly LocalHttpServer _server;
    private readonly ConcurrentQueue<JsonObject> _queue = new();
    private int _requestIds;

    internal FakeAwsServices()
    {
        _server = new LocalHttpServer(Handle);
    }

    internal string ServiceUrl => _server.BaseAddress.ToString();

    internal IReadOnlyList<LocalRequest> Requests => [.. _server.Requests];

    internal LocalRequest LastRequest(string target) => Requests.Last(r => r.Header("X-Amz-Target") == target);

    public void Dispose() => _server.Dispose();

    private LocalResponse Handle(LocalRequest request)
    {
        var requestId = "req-" + Interlocked.Increment(ref _requestIds);
        var headers = new Dictionary<string, string> { ["x-amzn-RequestId"] = requestId };
        var body = JsonNode.Parse(request.Body.Length == 0 ? "{}" : request.BodyText)!.AsObject();
        switch (request.Header("X-Amz-Target"))
        {
            case "DynamoDB_20120810.GetItem" when (string?)body["TableName"] == "missing":
                return new LocalResponse(400, "{\"__type\":\"com.amazonaws.dynamodb.v20120810#ResourceNotFoundException\",\"message\":\"Requested resource not found\"}", Headers: headers);
            case "DynamoDB_20120810.GetItem":
                return new LocalResponse(200, "{\"Item\":{\"id\":{\"S\":\"42\"},\"status\":{\"S\":\"shipped\"}}}", Headers: headers);
            case "DynamoDB_20120810.PutItem":
                return new LocalResponse(200, "{}", Headers: headers);
            case "AmazonSQS.SendMessage":
                _queue.Enqueue(Message(body));
                return new LocalResponse(200, new JsonObject { ["MessageId"] = "m-" + requestId, ["MD5OfMessageBody"] = Md5((string)body["MessageBody"]!) }.ToJsonString(), Headers: headers);
            case "AmazonSQS.SendMessageBatch":
                var successful = new JsonArray();
                foreach (var entry in body["Entries"]!.AsArray())
                {
                    _queue.Enqueue(Message(entry!.AsObject()));
                    successful.Add(new JsonObject { ["Id"] = (string)entry["Id"]!, ["MessageId"] = "m-" + Guid.NewGuid().ToString("N"), ["MD5OfMessageBody"] = Md5((string)entry["MessageBody"]!) });
                }

                return new LocalResponse(200, new JsonObject { ["Successful"] = successful, ["Failed"] = new JsonArray() }.ToJsonString(), Headers: headers);
            case "AmazonSQS.ReceiveMessage":
                var wanted = body["MessageSystemAttributeNames"]?.AsArray().Select(n => (string)n!).ToList() ?? [];
                var messages = new JsonArray();
                while (messages.Count < 10 && _queue.TryDequeue(out var message))
                {
                    if (!wanted.Contains("AWSTraceHeader") && !wanted.Contains("All"))
                    {
                        message.Remove("Attributes");
                    }

                    messages.Add(message);
                }

                return new LocalResponse(200, new JsonObject { ["Messages"] = messages }.ToJsonString(), Headers: headers);
            default:
                return new LocalResponse(400, "{\"__type\":\"UnknownOperationException\",\"message\":\"unknown\"}", Headers: headers);
        }
    }

    private static JsonObject Message(JsonObject sent)
    {
        var text = (string)sent["MessageBody"]!;
        var message = new JsonObject
        {
            ["MessageId"] = Guid.NewGuid().ToString("N"),
            ["ReceiptHandle"] = Guid.NewGuid().ToString("N"),
            ["Body"] = text,
            ["MD5OfBody"] = Md5(text),
        };

        if (sent["MessageSystemAttributes"]?["AWSTraceHeader"]?["StringValue"] is JsonNode header)
        {
            message["Attributes"] = new JsonObject { ["AWSTraceHeader"] = (string)header! };
        }

        return message;
    }

    private static string Md5(string text)
    {
#pragma warning disable CA5351 // SQS defines its body checksum as MD5.
        return Convert.ToHexStringLower(MD5.HashData(Encoding.UTF8.GetBytes(text)));
#pragma warning restore CA5351
    }

    internal static JsonElement Json(LocalRequest request) => JsonDocument.Parse(request.BodyText).RootElement;
}
