using System.Diagnostics;
using CloudWatchApm.Agent.Aws.Resources;
using Xunit;

namespace CloudWatchApm.Agent.Tests.AwsResources;

public sealed class EcsResourceDetectorTests
{
    // Shapes follow the task metadata v4 documentation; values are made up.
    private const string Ec2ContainerJson = """
        {
          "DockerId": "5c3a9e1f0b7d4c2a8e6f1d3b5a7c9e0f2b4d6a8c1e3f5a7b9d0c2e4f6a8b0c1d",
          "Name": "web",
          "DockerName": "ecs-shop-7-web-a1b2c3d4e5f6",
          "Image": "222233334444.dkr.ecr.eu-west-1.amazonaws.com/shop:1.4",
          "ImageID": "sha256:0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0",
          "Labels": {
            "com.amazonaws.ecs.cluster": "prod",
            "com.amazonaws.ecs.container-name": "web",
            "com.amazonaws.ecs.task-arn": "arn:aws:ecs:eu-west-1:222233334444:task/prod/0a1b2c3d4e5f40718293a4b5c6d7e8f9",
            "com.amazonaws.ecs.task-definition-family": "shop",
            "com.amazonaws.ecs.task-definition-version": "7"
          },
          "DesiredStatus": "RUNNING",
          "KnownStatus": "RUNNING",
          "Limits": { "CPU": 256, "Memory": 512 },
          "CreatedAt": "2024-05-01T10:00:00.000000000Z",
          "StartedAt": "2024-05-01T10:00:01.000000000Z",
          "Type": "NORMAL",
          "LogDriver": "awslogs",
          "LogOptions": {
            "awslogs-create-group": "true",
            "awslogs-group": "/ecs/shop",
            "awslogs-region": "eu-west-1",
            "awslogs-stream": "ecs/web/0a1b2c3d4e5f40718293a4b5c6d7e8f9"
          },
          "ContainerARN": "arn:aws:ecs:eu-west-1:222233334444:container/prod/0a1b2c3d4e5f40718293a4b5c6d7e8f9/9f8e7d6c-5b4a-3928-1706-f5e4d3c2b1a0",
          "Networks": [ { "NetworkMode": "bridge", "IPv4Addresses": [ "172.17.0.3" ] } ]
        }
        """;

    private const string Ec2TaskJson = """
        {
          "Cluster": "prod",
          "TaskARN": "arn:aws:ecs:eu-west-1:222233334444:task/prod/0a1b2c3d4e5f40718293a4b5c6d7e8f9",
          "Family": "shop",
          "Revision": "7",
          "DesiredStatus": "RUNNING",
          "KnownStatus": "RUNNING",
          "Limits": { "CPU": 0.25, "Memory": 512 },
          "PullStartedAt": "2024-05-01T09:59:50.000000000Z",
          "PullStoppedAt": "2024-05-01T09:59:58.000000000Z",
          "AvailabilityZone": "eu-west-1a",
          "LaunchType": "EC2",
          "Containers": [],
          "VPCID": "vpc-0a1b2c3d"
        }
        """;

    private const string FargateContainerJson = """
        {
          "DockerId": "1f2e3d4c5b6a47988796a5b4c3d2e1f0-1234567890",
          "Name": "api",
          "DockerName": "api",
          "Image": "public.ecr.aws/example/api:latest",
          "Labels": {},
          "DesiredStatus": "RUNNING",
          "KnownStatus": "RUNNING",
          "Type": "NORMAL",
          "LogDriver": "json-file",
          "ContainerARN": "arn:aws:ecs:us-east-2:555566667777:container/fg/1f2e3d4c5b6a47988796a5b4c3d2e1f0/0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0"
        }
        """;

    private const string FargateTaskJson = """
        {
          "Cluster": "arn:aws:ecs:us-east-2:555566667777:cluster/fg",
          "TaskARN": "arn:aws:ecs:us-east-2:555566667777:task/fg/1f2e3d4c5b6a47988796a5b4c3d2e1f0",
          "Family": "api",
          "Revision": "3",
          "AvailabilityZone": "us-east-2c",
          "LaunchType": "FARGATE",
          "Containers": []
        }
        """;

    [Fact]
    public void EcsDetector_Ec2LaunchTypeWithAwslogs_ReturnsTaskContainerAndLogAttributes()
    {
        using var server = StartEcs(Ec2ContainerJson, Ec2TaskJson);

        var attributes = ResourceAssert.ToDictionary(Detector(server).Detect());

        Assert.Equal("aws", attributes["cloud.provider"]);
        Assert.Equal("aws_ecs", attributes["cloud.platform"]);
        Assert.Equal("5c3a9e1f0b7d4c2a8e6f1d3b5a7c9e0f2b4d6a8c1e3f5a7b9d0c2e4f6a8b0c1d", attributes["container.id"]);
        Assert.Equal("arn:aws:ecs:eu-west-1:222233334444:container/prod/0a1b2c3d4e5f40718293a4b5c6d7e8f9/9f8e7d6c-5b4a-3928-1706-f5e4d3c2b1a0", attributes["aws.ecs.container.arn"]);
        Assert.Equal("arn:aws:ecs:eu-west-1:222233334444:cluster/prod", attributes["aws.ecs.cluster.arn"]);
        Assert.Equal("ec2", attributes["aws.ecs.launchtype"]);
        Assert.Equal("arn:aws:ecs:eu-west-1:222233334444:task/prod/0a1b2c3d4e5f40718293a4b5c6d7e8f9", attributes["aws.ecs.task.arn"]);
        Assert.Equal("shop", attributes["aws.ecs.task.family"]);
        Assert.Equal("7", attributes["aws.ecs.task.revision"]);
        Assert.Equal("eu-west-1", attributes["cloud.region"]);
        Assert.Equal("222233334444", attributes["cloud.account.id"]);
        Assert.Equal("eu-west-1a", attributes["cloud.availability_zone"]);
        Assert.Equal(new[] { "/ecs/shop" }, attributes["aws.log.group.names"]);
        Assert.Equal(new[] { "arn:aws:logs:eu-west-1:222233334444:log-group:/ecs/shop:*" }, attributes["aws.log.group.arns"]);
        Assert.Equal(new[] { "ecs/web/0a1b2c3d4e5f40718293a4b5c6d7e8f9" }, attributes["aws.log.stream.names"]);
        Assert.Equal(
            new[] { "arn:aws:logs:eu-west-1:222233334444:log-group:/ecs/shop:log-stream:ecs/web/0a1b2c3d4e5f40718293a4b5c6d7e8f9" },
            attributes["aws.log.stream.arns"]);
    }

    [Fact]
    public void EcsDetector_FargateWithoutAwslogs_ReturnsArnClusterAndNoLogAttributes()
    {
        using var server = StartEcs(FargateContainerJson, FargateTaskJson);

        var attributes = ResourceAssert.ToDictionary(Detector(server).Detect());

        Assert.Equal("fargate", attributes["aws.ecs.launchtype"]);
        Assert.Equal("arn:aws:ecs:us-east-2:555566667777:cluster/fg", attributes["aws.ecs.cluster.arn"]);
        Assert.Equal("1f2e3d4c5b6a47988796a5b4c3d2e1f0-1234567890", attributes["container.id"]);
        Assert.Equal("us-east-2", attributes["cloud.region"]);
        Assert.Equal("us-east-2c", attributes["cloud.availability_zone"]);
        Assert.DoesNotContain(attributes.Keys, k => k.StartsWith("aws.log.", StringComparison.Ordinal));
    }

    [Fact]
    public void EcsDetector_FetchesContainerThenTaskDocument()
    {
        using var server = StartEcs(Ec2ContainerJson, Ec2TaskJson);

        Detector(server).Detect();

        Assert.Equal(new[] { "/v4/c0ffee", "/v4/c0ffee/task" }, server.Requests.Select(r => r.Path));
    }

    [Fact]
    public void EcsDetector_VariableNotSet_ReturnsEmptyWithoutRequests()
    {
        using var server = StartEcs(Ec2ContainerJson, Ec2TaskJson);
        var log = new List<string>();

        var resource = new EcsResourceDetector(log.Add, new FakeEnvironment().Get, new ContainerIdReader("/nonexistent"), TimeSpan.FromSeconds(5)).Detect();

        Assert.Empty(resource.Attributes);
        Assert.Equal(0, server.Connections);
        Assert.Contains(log, l => l.Contains("not ECS", StringComparison.Ordinal));
    }

    [Fact]
    public void EcsDetector_EndpointNeverAnswers_ReturnsEmptyWithinTimeBox()
    {
        using var server = FakeMetadataServer.Silent();
        var environment = new FakeEnvironment().Set("ECS_CONTAINER_METADATA_URI_V4", server.BaseAddress + "v4/c0ffee");
        var detector = new EcsResourceDetector(null, environment.Get, new ContainerIdReader("/nonexistent"), EcsResourceDetector.DefaultTimeout);

        var clock = Stopwatch.StartNew();
        var resource = detector.Detect();
        clock.Stop();

        Assert.Empty(resource.Attributes);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(3), "took " + clock.Elapsed);
    }

    [Fact]
    public void EcsDetector_TaskDocumentFails_KeepsContainerAttributes()
    {
        using var server = FakeMetadataServer.WithRoutes(new Dictionary<string, string> { ["/v4/c0ffee"] = Ec2ContainerJson });
        var log = new List<string>();

        var attributes = ResourceAssert.ToDictionary(Detector(server, log).Detect());

        Assert.Equal("aws_ecs", attributes["cloud.platform"]);
        Assert.Equal("222233334444", attributes["cloud.account.id"]);
        Assert.False(attributes.ContainsKey("aws.ecs.task.arn"));
        Assert.Contains(log, l => l.Contains("task metadata unavailable", StringComparison.Ordinal));
    }

    [Fact]
    public void EcsDetector_InvalidJson_ReturnsEmptyAndLogs()
    {
        using var server = StartEcs("not json", "{\"Cluster\": ");
        var log = new List<string>();

        var resource = Detector(server, log).Detect();

        Assert.Empty(resource.Attributes);
        Assert.Contains(log, l => l.Contains("invalid JSON", StringComparison.Ordinal));
    }

    [Fact]
    public void EcsDetector_NotAnHttpUri_ReturnsEmptyAndLogs()
    {
        var environment = new FakeEnvironment().Set("ECS_CONTAINER_METADATA_URI_V4", "file:///etc/passwd");
        var log = new List<string>();

        var resource = new EcsResourceDetector(log.Add, environment.Get, new ContainerIdReader("/nonexistent"), TimeSpan.FromSeconds(1)).Detect();

        Assert.Empty(resource.Attributes);
        Assert.Contains(log, l => l.Contains("not an http URI", StringComparison.Ordinal));
    }

    private static FakeMetadataServer StartEcs(string containerJson, string taskJson)
        => FakeMetadataServer.WithRoutes(new Dictionary<string, string>
        {
            ["/v4/c0ffee"] = containerJson,
            ["/v4/c0ffee/task"] = taskJson,
        });

    private static EcsResourceDetector Detector(FakeMetadataServer server, List<string>? log = null)
    {
        var environment = new FakeEnvironment().Set("ECS_CONTAINER_METADATA_URI_V4", server.BaseAddress + "v4/c0ffee");
        return new EcsResourceDetector(log is null ? null : log.Add, environment.Get, new ContainerIdReader("/nonexistent"), TimeSpan.FromSeconds(5));
    }
}
