// Attribute names and values from the OpenTelemetry semantic conventions (cloud, host,
// container, aws.ecs, aws.log, k8s, faas, service). Kept here rather than taken from a
// semantic-conventions package because those names are still incubating upstream.
namespace CloudWatchApm.Agent.Aws.Resources;

internal static class AwsResourceAttributes
{
    internal const string CloudProvider = "cloud.provider";
    internal const string CloudPlatform = "cloud.platform";
    internal const string CloudAccountId = "cloud.account.id";
    internal const string CloudRegion = "cloud.region";
    internal const string CloudAvailabilityZone = "cloud.availability_zone";

    internal const string HostId = "host.id";
    internal const string HostType = "host.type";
    internal const string HostImageId = "host.image.id";
    internal const string HostName = "host.name";

    internal const string ContainerId = "container.id";

    internal const string EcsContainerArn = "aws.ecs.container.arn";
    internal const string EcsClusterArn = "aws.ecs.cluster.arn";
    internal const string EcsLaunchType = "aws.ecs.launchtype";
    internal const string EcsTaskArn = "aws.ecs.task.arn";
    internal const string EcsTaskFamily = "aws.ecs.task.family";
    internal const string EcsTaskRevision = "aws.ecs.task.revision";

    internal const string LogGroupNames = "aws.log.group.names";
    internal const string LogGroupArns = "aws.log.group.arns";
    internal const string LogStreamNames = "aws.log.stream.names";
    internal const string LogStreamArns = "aws.log.stream.arns";

    internal const string K8sClusterName = "k8s.cluster.name";

    internal const string FaasName = "faas.name";
    internal const string FaasVersion = "faas.version";
    internal const string FaasInstance = "faas.instance";
    internal const string FaasMaxMemory = "faas.max_memory";

    internal const string ServiceNamespace = "service.namespace";
    internal const string ServiceInstanceId = "service.instance.id";
    internal const string ServiceVersion = "service.version";

    internal const string ProviderAws = "aws";
    internal const string PlatformEc2 = "aws_ec2";
    internal const string PlatformEcs = "aws_ecs";
    internal const string PlatformEks = "aws_eks";
    internal const string PlatformLambda = "aws_lambda";
    internal const string PlatformElasticBeanstalk = "aws_elastic_beanstalk";
}
