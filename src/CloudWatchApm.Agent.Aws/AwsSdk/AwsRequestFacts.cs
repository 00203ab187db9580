// The resource an AWS call touched, read from the request (and a few responses) by property
// name, so the agent needs no reference to any service package: DynamoDB tables, S3 buckets,
// SQS queues, SNS topics, Kinesis streams, Lambda functions, Secrets Manager secrets. Property
// lookups are cached per request type; a property that is missing or of another type is
// simply not there.
using System.Collections;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Reflection;

namespace CloudWatchApm.Agent.Aws.AwsSdk;

internal static class AwsRequestFacts
{
    private static readonly ConcurrentDictionary<(Type Type, string Name), PropertyInfo?> Properties = new();

    internal static void Tag(Activity activity, string service, string operation, object request)
    {
        switch (service)
        {
            case "DynamoDB":
                if (String(request, "TableName") is { } table)
                {
                    activity.SetTag(AwsSdkAttributes.DynamoDbTableNames, new[] { table });
                }
                else if (Get(request, "RequestItems") is IDictionary items && items.Count > 0)
                {
                    // BatchGetItem / BatchWriteItem: the tables are the keys.
                    var names = new List<string>(items.Count);
                    foreach (var key in items.Keys)
                    {
                        if (key is string name)
                        {
                            names.Add(name);
                        }
                    }

                    names.Sort(StringComparer.Ordinal);
                    activity.SetTag(AwsSdkAttributes.DynamoDbTableNames, names.ToArray());
                }

                break;
            case "S3":
                SetIfPresent(activity, AwsSdkAttributes.S3Bucket, String(request, "BucketName"));
                break;
            case "SQS":
                var queueUrl = String(request, "QueueUrl");
                SetIfPresent(activity, AwsSdkAttributes.SqsQueueUrl, queueUrl);
                activity.SetTag(AwsSdkAttributes.MessagingSystem, "aws_sqs");
                SetIfPresent(activity, AwsSdkAttributes.MessagingDestinationName, QueueName(queueUrl));
                var type = operation switch
                {
                    "SendMessage" or "SendMessageBatch" => "send",
                    "ReceiveMessage" => "receive",
                    "DeleteMessage" or "DeleteMessageBatch" => "settle",
                    _ => null,
                };
                if (type is not null)
                {
                    activity.SetTag(AwsSdkAttributes.MessagingOperationType, type);
                    activity.SetTag(AwsSdkAttributes.MessagingOperationName, operation);
                }

                if (Get(request, "Entries") is ICollection entries && operation == "SendMessageBatch")
                {
                    activity.SetTag(AwsSdkAttributes.MessagingBatchMessageCount, entries.Count);
                }

                break;
            case "SNS":
                var topic = String(request, "TopicArn") ?? String(request, "TargetArn");
                SetIfPresent(activity, AwsSdkAttributes.SnsTopicArn, topic);
                if (topic is not null)
                {
                    activity.SetTag(AwsSdkAttributes.MessagingSystem, "aws_sns");
                    SetIfPresent(activity, AwsSdkAttributes.MessagingDestinationName, ArnResource(topic));
                }

                break;
            case "Kinesis":
                SetIfPresent(activity, AwsSdkAttributes.KinesisStreamName, String(request, "StreamName") ?? ArnResource(String(request, "StreamARN")));
                break;
            case "Lambda":
                SetIfPresent(activity, AwsSdkAttributes.LambdaFunctionName, String(request, "FunctionName"));
                break;
            case "SecretsManager":
                var secret = String(request, "SecretId");
                if (secret is not null)
                {
                    activity.SetTag(secret.StartsWith("arn:", StringComparison.Ordinal) ? AwsSdkAttributes.SecretsManagerSecretArn : AwsSdkAttributes.SecretsManagerSecretId, secret);
                }

                break;
        }
    }

    internal static void TagResponse(Activity activity, string service, object response)
    {
        if (service == "SecretsManager" && activity.GetTagItem(AwsSdkAttributes.SecretsManagerSecretArn) is null)
        {
            SetIfPresent(activity, AwsSdkAttributes.SecretsManagerSecretArn, String(response, "ARN"));
        }
    }

    /// <summary>"https://sqs.us-east-1.amazonaws.com/123456789012/orders" -> "orders".</summary>
    internal static string? QueueName(string? queueUrl)
    {
        if (string.IsNullOrEmpty(queueUrl))
        {
            return null;
        }

        var trimmed = queueUrl.TrimEnd('/');
        var slash = trimmed.LastIndexOf('/');
        return slash >= 0 && slash < trimmed.Length - 1 ? trimmed[(slash + 1)..] : trimmed;
    }

    /// <summary>The last part of an ARN's resource ("arn:aws:sns:us-east-1:1:topic" -> "topic"; ".../stream/name" -> "name").</summary>
    internal static string? ArnResource(string? arn)
    {
        if (string.IsNullOrEmpty(arn) || !arn.StartsWith("arn:", StringComparison.Ordinal))
        {
            return arn;
        }

        var cut = Math.Max(arn.LastIndexOf(':'), arn.LastIndexOf('/'));
        return cut >= 0 && cut < arn.Length - 1 ? arn[(cut + 1)..] : arn;
    }

    internal static object? Get(object target, string name)
    {
        var property = Properties.GetOrAdd((target.GetType(), name), static key => key.Type.GetProperty(key.Name, BindingFlags.Public | BindingFlags.Instance));
        return property is null || property.GetIndexParameters().Length > 0 ? null : property.GetValue(target);
    }

    private static string? String(object target, string name) => Get(target, name) as string is { Length: > 0 } s ? s : null;

    private static void SetIfPresent(Activity activity, string key, string? value)
    {
        if (!string.IsNullOrEmpty(value))
        {
            activity.SetTag(key, value);
        }
    }
}
