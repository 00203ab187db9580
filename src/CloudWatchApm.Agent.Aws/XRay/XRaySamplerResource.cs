// What the X-Ray sampler needs to know about this process, taken once from the OpenTelemetry
// resource: rules select services by name, by X-Ray service type (AWS::EC2::Instance, ...)
// and by resource ARN. Unknown values are empty strings, which only a "*" rule matches.
using OpenTelemetry.Resources;

namespace CloudWatchApm.Agent.Aws.XRay;

internal sealed class XRaySamplerResource
{
    internal static readonly XRaySamplerResource Empty = new(string.Empty, string.Empty, string.Empty);

    internal XRaySamplerResource(string serviceName, string serviceType, string resourceArn)
    {
        ServiceName = serviceName ?? string.Empty;
        ServiceType = serviceType ?? string.Empty;
        ResourceArn = resourceArn ?? string.Empty;
    }

    internal string ServiceName { get; }

    internal string ServiceType { get; }

    internal string ResourceArn { get; }

    /// <summary>
    /// Reads service.name, cloud.platform (mapped to the X-Ray origin) and the ARN from
    /// cloud.resource_id, else aws.ecs.container.arn.
    /// </summary>
    internal static XRaySamplerResource FromResource(Resource? resource)
    {
        if (resource is null)
        {
            return Empty;
        }

        string? serviceName = null;
        string? platform = null;
        string? resourceId = null;
        string? ecsContainerArn = null;
        foreach (var attribute in resource.Attributes)
        {
            if (attribute.Value is not string value)
            {
                continue;
            }

            switch (attribute.Key)
            {
                case "service.name":
                    serviceName = value;
                    break;
                case "cloud.platform":
                    platform = value;
                    break;
                case "cloud.resource_id":
                    resourceId = value;
                    break;
                case "aws.ecs.container.arn":
                    ecsContainerArn = value;
                    break;
                default:
                    break;
            }
        }

        return new XRaySamplerResource(serviceName ?? string.Empty, ServiceTypeOf(platform), resourceId ?? ecsContainerArn ?? string.Empty);
    }

    /// <summary>The X-Ray origin (rule ServiceType) for an OpenTelemetry cloud.platform value.</summary>
    internal static string ServiceTypeOf(string? cloudPlatform) => cloudPlatform switch
    {
        "aws_ec2" => "AWS::EC2::Instance",
        "aws_ecs" => "AWS::ECS::Container",
        "aws_eks" => "AWS::EKS::Container",
        "aws_elastic_beanstalk" => "AWS::ElasticBeanstalk::Environment",
        "aws_lambda" => "AWS::Lambda::Function",
        _ => string.Empty,
    };
}
