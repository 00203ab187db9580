// Environment variables the resource detectors read. Most are set by AWS itself (Lambda,
// ECS, Kubernetes); only the two cluster-name variables are meant for users, so the agent's
// configuration docs should list those two.
namespace CloudWatchApm.Agent.Aws.Resources;

internal static class AwsEnvironmentVariables
{
    // Set by the Lambda runtime.
    internal const string LambdaFunctionName = "AWS_LAMBDA_FUNCTION_NAME";
    internal const string LambdaFunctionVersion = "AWS_LAMBDA_FUNCTION_VERSION";
    internal const string LambdaFunctionMemorySize = "AWS_LAMBDA_FUNCTION_MEMORY_SIZE";
    internal const string LambdaLogGroupName = "AWS_LAMBDA_LOG_GROUP_NAME";
    internal const string LambdaLogStreamName = "AWS_LAMBDA_LOG_STREAM_NAME";
    internal const string Region = "AWS_REGION";

    // Set by the ECS agent in every container it starts.
    internal const string EcsContainerMetadataUriV4 = "ECS_CONTAINER_METADATA_URI_V4";
    internal const string EcsContainerMetadataUri = "ECS_CONTAINER_METADATA_URI";

    // Set by Lambda ("AWS_Lambda_dotnet8") and by ECS ("AWS_ECS_FARGATE", "AWS_ECS_EC2"); the
    // ECS values are observed behaviour rather than documented, so only used to skip work.
    internal const string ExecutionEnvironment = "AWS_EXECUTION_ENV";
    internal const string ExecutionEnvironmentEcsFargate = "AWS_ECS_FARGATE";

    // Set by Kubernetes in every pod.
    internal const string KubernetesServiceHost = "KUBERNETES_SERVICE_HOST";

    // Set in EKS pods by IAM roles for service accounts and by EKS Pod Identity; either one
    // tells us the pod runs against AWS even where DMI is hidden (Fargate).
    internal const string WebIdentityTokenFile = "AWS_WEB_IDENTITY_TOKEN_FILE";
    internal const string ContainerCredentialsFullUri = "AWS_CONTAINER_CREDENTIALS_FULL_URI";

    // User-set cluster names (see EksResourceDetector for the order).
    internal const string K8sClusterName = "K8S_CLUSTER_NAME";
    internal const string EksClusterName = "EKS_CLUSTER_NAME";
}
