// Attribute names of the AWS SDK spans (OpenTelemetry semantic conventions for the AWS SDK,
// RPC, messaging and HTTP), shared with the Application Signals processor that reads them back.
namespace CloudWatchApm.Agent.Aws.AwsSdk;

internal static class AwsSdkAttributes
{
    internal const string RpcSystem = "rpc.system";
    internal const string RpcSystemAwsApi = "aws-api";
    internal const string RpcService = "rpc.service";
    internal const string RpcMethod = "rpc.method";
    internal const string RequestId = "aws.request_id";
    internal const string CloudRegion = "cloud.region";
    internal const string HttpStatusCode = "http.response.status_code";
    internal const string ServerAddress = "server.address";
    internal const string ServerPort = "server.port";
    internal const string ErrorType = "error.type";

    internal const string DynamoDbTableNames = "aws.dynamodb.table_names";
    internal const string S3Bucket = "aws.s3.bucket";
    internal const string SqsQueueUrl = "aws.sqs.queue.url";
    internal const string SnsTopicArn = "aws.sns.topic.arn";
    internal const string KinesisStreamName = "aws.kinesis.stream_name";
    internal const string LambdaFunctionName = "aws.lambda.function.name";
    internal const string SecretsManagerSecretArn = "aws.secretsmanager.secret.arn";

    // Not in the conventions: the id a call named, when it is a name rather than an ARN.
    internal const string SecretsManagerSecretId = "aws.secretsmanager.secret.id";

    internal const string MessagingSystem = "messaging.system";
    internal const string MessagingDestinationName = "messaging.destination.name";
    internal const string MessagingOperationType = "messaging.operation.type";
    internal const string MessagingOperationName = "messaging.operation.name";
    internal const string MessagingBatchMessageCount = "messaging.batch.message_count";
}
