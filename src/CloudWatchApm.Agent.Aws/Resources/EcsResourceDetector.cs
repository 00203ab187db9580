// ECS task and container attributes from the task metadata endpoint v4, whose address the ECS
// agent puts in ECS_CONTAINER_METADATA_URI_V4. Without that variable this is not ECS and no
// call is made. Both documents are fetched within one time box.
using System.Text.Json;
using OpenTelemetry.Resources;

namespace CloudWatchApm.Agent.Aws.Resources;

internal sealed class EcsResourceDetector : IResourceDetector
{
    /// <summary>Switch: OTEL_DOTNET_AUTO_ECS_RESOURCE_DETECTOR_ENABLED.</summary>
    internal const string Id = "ECS";

    internal static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(1);

    private readonly DetectorLog _log;
    private readonly Func<string, string?> _getEnvironmentVariable;
    private readonly ContainerIdReader _containerIdReader;
    private readonly TimeSpan _timeout;

    internal EcsResourceDetector(Action<string>? log)
        : this(log, Environment.GetEnvironmentVariable, new ContainerIdReader(), DefaultTimeout)
    {
    }

    /// <summary>For tests: the environment (which carries the endpoint address), /proc and the time box.</summary>
    internal EcsResourceDetector(Action<string>? log, Func<string, string?> getEnvironmentVariable, ContainerIdReader containerIdReader, TimeSpan timeout)
    {
        _log = new DetectorLog(Id, log);
        _getEnvironmentVariable = getEnvironmentVariable;
        _containerIdReader = containerIdReader;
        _timeout = timeout;
    }

    public Resource Detect()
    {
        try
        {
            var endpoint = _getEnvironmentVariable(AwsEnvironmentVariables.EcsContainerMetadataUriV4);
            if (string.IsNullOrWhiteSpace(endpoint))
            {
                _log.Write(string.IsNullOrWhiteSpace(_getEnvironmentVariable(AwsEnvironmentVariables.EcsContainerMetadataUri))
                    ? "skipped, not ECS (" + AwsEnvironmentVariables.EcsContainerMetadataUriV4 + " is not set)"
                    : "skipped, only task metadata v3 is available; ECS container agent 1.39.0 or later (or Fargate 1.4.0) provides v4");
                return Resource.Empty;
            }

            if (!Uri.TryCreate(endpoint.Trim().TrimEnd('/'), UriKind.Absolute, out var containerUri)
                || (containerUri.Scheme != Uri.UriSchemeHttp && containerUri.Scheme != Uri.UriSchemeHttps))
            {
                _log.Write("skipped, " + AwsEnvironmentVariables.EcsContainerMetadataUriV4 + " is not an http URI: '" + endpoint + "'");
                return Resource.Empty;
            }

            return DetectFromMetadata(containerUri);
        }
        catch (Exception ex)
        {
            _log.Write("failed: " + ex.Message);
            return Resource.Empty;
        }
    }

    private Resource DetectFromMetadata(Uri containerUri)
    {
        using var timeBox = new CancellationTokenSource(_timeout);
        using var client = MetadataHttp.CreateClient(_timeout);

        using var container = Fetch(client, containerUri, "container", timeBox.Token);
        using var task = Fetch(client, new Uri(containerUri.AbsoluteUri + "/task"), "task", timeBox.Token);
        if (container is null && task is null)
        {
            return Resource.Empty;
        }

        var containerRoot = container?.RootElement ?? default;
        var taskRoot = task?.RootElement ?? default;

        var attributes = new AttributeList();
        attributes.Add(AwsResourceAttributes.CloudProvider, AwsResourceAttributes.ProviderAws);
        attributes.Add(AwsResourceAttributes.CloudPlatform, AwsResourceAttributes.PlatformEcs);

        // DockerId is what ECS itself calls the container; /proc is the fallback when the container document failed.
        attributes.Add(AwsResourceAttributes.ContainerId, JsonFields.GetText(containerRoot, "DockerId") ?? _containerIdReader.Read());

        var containerArnText = JsonFields.GetText(containerRoot, "ContainerARN");
        attributes.Add(AwsResourceAttributes.EcsContainerArn, containerArnText);

        var taskArnText = JsonFields.GetText(taskRoot, "TaskARN");
        var taskArn = Arn.Parse(taskArnText);
        attributes.Add(AwsResourceAttributes.EcsClusterArn, ClusterArn(JsonFields.GetText(taskRoot, "Cluster"), taskArn));
        attributes.Add(AwsResourceAttributes.EcsLaunchType, JsonFields.GetText(taskRoot, "LaunchType")?.ToLowerInvariant());
        attributes.Add(AwsResourceAttributes.EcsTaskArn, taskArnText);
        attributes.Add(AwsResourceAttributes.EcsTaskFamily, JsonFields.GetText(taskRoot, "Family"));
        attributes.Add(AwsResourceAttributes.EcsTaskRevision, JsonFields.GetText(taskRoot, "Revision"));

        // The account and region in the ARNs are where the task runs.
        var owner = taskArn ?? Arn.Parse(containerArnText);
        attributes.Add(AwsResourceAttributes.CloudRegion, owner?.Region);
        attributes.Add(AwsResourceAttributes.CloudAccountId, owner?.AccountId);
        attributes.Add(AwsResourceAttributes.CloudAvailabilityZone, JsonFields.GetText(taskRoot, "AvailabilityZone"));

        AddAwsLogs(attributes, containerRoot, owner);
        return attributes.ToResource();
    }

    private JsonDocument? Fetch(HttpClient client, Uri uri, string what, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, uri);
        if (!MetadataHttp.TrySend(client, request, cancellationToken, out var body, out var error))
        {
            _log.Write(what + " metadata unavailable: " + error);
            return null;
        }

        var document = JsonFields.ParseObject(body, out error);
        if (document is null)
        {
            _log.Write(what + " metadata unusable: " + error);
        }

        return document;
    }

    /// <summary>Task metadata gives the cluster as an ARN or, on EC2, as a short name.</summary>
    private static string? ClusterArn(string? cluster, Arn? taskArn)
    {
        if (string.IsNullOrWhiteSpace(cluster) || cluster.StartsWith("arn:", StringComparison.Ordinal))
        {
            return cluster;
        }

        return taskArn is { } arn
            ? "arn:" + arn.Partition + ":ecs:" + arn.Region + ":" + arn.AccountId + ":cluster/" + cluster
            : null;
    }

    /// <summary>Log group and stream, only when the container logs through the awslogs driver.</summary>
    private static void AddAwsLogs(AttributeList attributes, JsonElement container, Arn? owner)
    {
        if (!string.Equals(JsonFields.GetText(container, "LogDriver"), "awslogs", StringComparison.Ordinal)
            || JsonFields.GetObject(container, "LogOptions") is not { } options)
        {
            return;
        }

        var group = JsonFields.GetText(options, "awslogs-group");
        if (string.IsNullOrWhiteSpace(group))
        {
            return;
        }

        var stream = JsonFields.GetText(options, "awslogs-stream");
        var region = JsonFields.GetText(options, "awslogs-region") ?? owner?.Region;

        attributes.Add(AwsResourceAttributes.LogGroupNames, [group]);
        if (!string.IsNullOrWhiteSpace(stream))
        {
            attributes.Add(AwsResourceAttributes.LogStreamNames, [stream]);
        }

        // ARNs need the account, which only the task or container ARN carries.
        if (owner is not { } arn || string.IsNullOrWhiteSpace(region))
        {
            return;
        }

        var groupArn = "arn:" + arn.Partition + ":logs:" + region + ":" + arn.AccountId + ":log-group:" + group;
        attributes.Add(AwsResourceAttributes.LogGroupArns, [groupArn + ":*"]);
        if (!string.IsNullOrWhiteSpace(stream))
        {
            attributes.Add(AwsResourceAttributes.LogStreamArns, [groupArn + ":log-stream:" + stream]);
        }
    }
}
