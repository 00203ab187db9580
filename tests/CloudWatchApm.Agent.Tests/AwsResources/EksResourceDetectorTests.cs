using System.Diagnostics;
using CloudWatchApm.Agent.Aws.Resources;
using Xunit;

namespace CloudWatchApm.Agent.Tests.AwsResources;

public sealed class EksResourceDetectorTests : IDisposable
{
    private const string ContainerId = "aa11bb22cc33dd44ee55ff6600778899aa11bb22cc33dd44ee55ff6600778899";

    private readonly TempDirectory _files = new();
    private readonly TempDirectory _sys = new();
    private readonly List<string> _log = [];

    public void Dispose()
    {
        _files.Dispose();
        _sys.Dispose();
    }

    [Fact]
    public void EksDetector_ClusterNameFromEnvironment_ReturnsAttributesWithoutNetwork()
    {
        using var imds = FakeImds.Start(new Dictionary<string, string>());
        var environment = InKubernetes().Set("EKS_CLUSTER_NAME", "orders-prod");

        var attributes = ResourceAssert.ToDictionary(Detector(environment, FakeImds.Ec2Dmi(Sys()), imds.BaseAddress).Detect());

        Assert.Equal("aws", attributes["cloud.provider"]);
        Assert.Equal("aws_eks", attributes["cloud.platform"]);
        Assert.Equal("orders-prod", attributes["k8s.cluster.name"]);
        Assert.Equal(ContainerId, attributes["container.id"]);
        Assert.Equal(0, imds.Connections);
    }

    [Fact]
    public void EksDetector_BothNameVariables_PrefersK8sClusterName()
    {
        var environment = InKubernetes().Set("K8S_CLUSTER_NAME", "generic").Set("EKS_CLUSTER_NAME", "specific");

        var attributes = ResourceAssert.ToDictionary(Detector(environment, FakeImds.Ec2Dmi(Sys()), new Uri("http://127.0.0.1:9/")).Detect());

        Assert.Equal("generic", attributes["k8s.cluster.name"]);
    }

    [Fact]
    public void EksDetector_NoVariable_ReadsClusterNameTagFromImds()
    {
        using var imds = FakeImds.Start(new Dictionary<string, string>
        {
            ["/latest/meta-data/tags/instance/eks:cluster-name"] = "orders-prod",
        });

        var attributes = ResourceAssert.ToDictionary(Detector(InKubernetes(), FakeImds.Ec2Dmi(Sys()), imds.BaseAddress).Detect());

        Assert.Equal("orders-prod", attributes["k8s.cluster.name"]);
        Assert.Equal("aws_eks", attributes["cloud.platform"]);
    }

    [Fact]
    public void EksDetector_TagsNotInMetadata_ReturnsPlatformWithoutNameAndLogsHowToSetIt()
    {
        using var imds = FakeImds.Start(new Dictionary<string, string>());

        var attributes = ResourceAssert.ToDictionary(Detector(InKubernetes(), FakeImds.Ec2Dmi(Sys()), imds.BaseAddress).Detect());

        Assert.Equal("aws_eks", attributes["cloud.platform"]);
        Assert.False(attributes.ContainsKey("k8s.cluster.name"));
        Assert.Contains(_log, l => l.Contains("EKS_CLUSTER_NAME", StringComparison.Ordinal));
    }

    [Fact]
    public void EksDetector_ImdsNeverAnswers_ReturnsWithinTimeBox()
    {
        using var imds = FakeMetadataServer.Silent();
        var detector = Detector(InKubernetes(), FakeImds.Ec2Dmi(Sys()), imds.BaseAddress, EksResourceDetector.DefaultTimeout);

        var clock = Stopwatch.StartNew();
        var attributes = ResourceAssert.ToDictionary(detector.Detect());
        clock.Stop();

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(3), "took " + clock.Elapsed);
        Assert.False(attributes.ContainsKey("k8s.cluster.name"));
    }

    [Fact]
    public void EksDetector_NotKubernetes_ReturnsEmpty()
    {
        using var imds = FakeImds.Start(new Dictionary<string, string>());

        var resource = Detector(new FakeEnvironment(), FakeImds.Ec2Dmi(Sys()), imds.BaseAddress).Detect();

        Assert.Empty(resource.Attributes);
        Assert.Equal(0, imds.Connections);
        Assert.Contains(_log, l => l.Contains("not Kubernetes", StringComparison.Ordinal));
    }

    [Fact]
    public void EksDetector_NoServiceAccountToken_ReturnsEmpty()
    {
        var detector = new EksResourceDetector(
            _log.Add, InKubernetes().Get, Path.Combine(_files.Path, "missing-token"), FakeImds.Ec2Dmi(Sys()), Proc(), new Uri("http://127.0.0.1:9/"), TimeSpan.FromSeconds(1));

        Assert.Empty(detector.Detect().Attributes);
    }

    [Fact]
    public void EksDetector_KubernetesOffAws_ReturnsEmptyWithoutNetwork()
    {
        using var imds = FakeImds.Start(new Dictionary<string, string>());
        var environment = InKubernetes().Set("K8S_CLUSTER_NAME", "on-prem");

        var resource = Detector(environment, FakeImds.OtherDmi(Sys()), imds.BaseAddress).Detect();

        Assert.Empty(resource.Attributes);
        Assert.Equal(0, imds.Connections);
        Assert.Contains(_log, l => l.Contains("not on AWS", StringComparison.Ordinal));
    }

    [Fact]
    public void EksDetector_FargateWithIrsa_ReturnsPlatformWithoutImds()
    {
        using var imds = FakeImds.Start(new Dictionary<string, string>());
        var environment = InKubernetes().Set("AWS_WEB_IDENTITY_TOKEN_FILE", "/var/run/secrets/eks.amazonaws.com/serviceaccount/token");

        var attributes = ResourceAssert.ToDictionary(Detector(environment, new Ec2Dmi(Sys().Path), imds.BaseAddress).Detect());

        Assert.Equal("aws_eks", attributes["cloud.platform"]);
        Assert.Equal(0, imds.Connections);
    }

    private FakeEnvironment InKubernetes()
    {
        _files.Write("sa/token", "eyJhbGciOi.fake.token");
        return new FakeEnvironment().Set("KUBERNETES_SERVICE_HOST", "10.100.0.1");
    }

    private TempDirectory Sys() => _sys;

    private ContainerIdReader Proc()
    {
        _files.Write("proc/self/cgroup", "0::/kubepods.slice/kubepods-pod1.slice/cri-containerd-" + ContainerId + ".scope\n");
        return new ContainerIdReader(Path.Combine(_files.Path, "proc"));
    }

    private EksResourceDetector Detector(FakeEnvironment environment, Ec2Dmi dmi, Uri imds, TimeSpan? timeout = null)
        => new(_log.Add, environment.Get, Path.Combine(_files.Path, "sa/token"), dmi, Proc(), imds, timeout ?? TimeSpan.FromSeconds(5));
}
