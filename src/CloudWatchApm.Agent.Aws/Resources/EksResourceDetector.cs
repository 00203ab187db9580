// EKS attributes without the Kubernetes API: reading kube-system ConfigMaps would need RBAC
// that most application pods do not have, so this detector relies on what the pod can see.
//
// In EKS when: KUBERNETES_SERVICE_HOST is set, the service account token is mounted, and the
// pod is on AWS (DMI says EC2, or EKS_CLUSTER_NAME is set, or EKS injected IRSA / Pod Identity
// credentials; the last two cover Fargate, which has neither DMI nor IMDS).
//
// Cluster name, first found wins:
// 1. K8S_CLUSTER_NAME, then EKS_CLUSTER_NAME: the generic name first, because it is the one
//    users already set for other Kubernetes tooling; both are supported.
// 2. The CloudWatch agent's cluster information is NOT read: the agent publishes it only in
//    its own ConfigMap and configuration, with no endpoint a pod can query.
// 3. The instance tag eks:cluster-name, which managed node groups put on their instances, via
//    IMDS /latest/meta-data/tags/instance/eks:cluster-name (needs "tags in instance metadata"
//    on the node, and an IMDS hop limit of 2 to be reachable from a pod).
// Without a name the detector still reports cloud.platform and container.id, and logs how to
// supply the name.
using OpenTelemetry.Resources;

namespace CloudWatchApm.Agent.Aws.Resources;

internal sealed class EksResourceDetector : IResourceDetector
{
    /// <summary>Switch: OTEL_DOTNET_AUTO_EKS_RESOURCE_DETECTOR_ENABLED.</summary>
    internal const string Id = "EKS";

    internal const string DefaultServiceAccountTokenPath = "/var/run/secrets/kubernetes.io/serviceaccount/token";
    internal const string ClusterNameTagPath = "latest/meta-data/tags/instance/eks:cluster-name";

    internal static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(1);

    private readonly DetectorLog _log;
    private readonly Func<string, string?> _getEnvironmentVariable;
    private readonly string _serviceAccountTokenPath;
    private readonly Ec2Dmi _dmi;
    private readonly ContainerIdReader _containerIdReader;
    private readonly Uri _imdsBaseAddress;
    private readonly TimeSpan _timeout;

    internal EksResourceDetector(Action<string>? log)
        : this(log, Environment.GetEnvironmentVariable, DefaultServiceAccountTokenPath, new Ec2Dmi(), new ContainerIdReader(), InstanceMetadataClient.DefaultBaseAddress, DefaultTimeout)
    {
    }

    /// <summary>For tests: environment, token file, DMI, /proc, a local IMDS and the time box.</summary>
    internal EksResourceDetector(
        Action<string>? log,
        Func<string, string?> getEnvironmentVariable,
        string serviceAccountTokenPath,
        Ec2Dmi dmi,
        ContainerIdReader containerIdReader,
        Uri imdsBaseAddress,
        TimeSpan timeout)
    {
        _log = new DetectorLog(Id, log);
        _getEnvironmentVariable = getEnvironmentVariable;
        _serviceAccountTokenPath = serviceAccountTokenPath;
        _dmi = dmi;
        _containerIdReader = containerIdReader;
        _imdsBaseAddress = imdsBaseAddress;
        _timeout = timeout;
    }

    public Resource Detect()
    {
        try
        {
            if (string.IsNullOrWhiteSpace(_getEnvironmentVariable(AwsEnvironmentVariables.KubernetesServiceHost)))
            {
                _log.Write("skipped, not Kubernetes (" + AwsEnvironmentVariables.KubernetesServiceHost + " is not set)");
                return Resource.Empty;
            }

            if (!File.Exists(_serviceAccountTokenPath))
            {
                _log.Write("skipped, no service account token at " + _serviceAccountTokenPath);
                return Resource.Empty;
            }

            var onEc2 = _dmi.LooksLikeEc2(out var dmiReason);
            if (!onEc2 && !HasAwsPodEnvironment())
            {
                _log.Write("skipped, Kubernetes but not on AWS (" + dmiReason + ")");
                return Resource.Empty;
            }

            var attributes = new AttributeList();
            attributes.Add(AwsResourceAttributes.CloudProvider, AwsResourceAttributes.ProviderAws);
            attributes.Add(AwsResourceAttributes.CloudPlatform, AwsResourceAttributes.PlatformEks);
            attributes.Add(AwsResourceAttributes.K8sClusterName, ClusterName(onEc2));
            attributes.Add(AwsResourceAttributes.ContainerId, _containerIdReader.Read());
            return attributes.ToResource();
        }
        catch (Exception ex)
        {
            _log.Write("failed: " + ex.Message);
            return Resource.Empty;
        }
    }

    private bool HasAwsPodEnvironment()
        => !string.IsNullOrWhiteSpace(_getEnvironmentVariable(AwsEnvironmentVariables.EksClusterName))
            || !string.IsNullOrWhiteSpace(_getEnvironmentVariable(AwsEnvironmentVariables.WebIdentityTokenFile))
            || !string.IsNullOrWhiteSpace(_getEnvironmentVariable(AwsEnvironmentVariables.ContainerCredentialsFullUri));

    private string? ClusterName(bool onEc2)
    {
        foreach (var variable in new[] { AwsEnvironmentVariables.K8sClusterName, AwsEnvironmentVariables.EksClusterName })
        {
            var name = _getEnvironmentVariable(variable);
            if (!string.IsNullOrWhiteSpace(name))
            {
                return name.Trim();
            }
        }

        if (!onEc2)
        {
            _log.Write("no k8s.cluster.name: no IMDS off EC2 (Fargate); set " + AwsEnvironmentVariables.EksClusterName);
            return null;
        }

        using var timeBox = new CancellationTokenSource(_timeout);
        using var imds = new InstanceMetadataClient(_imdsBaseAddress, _timeout);
        if (imds.TryGetToken(timeBox.Token, out var token, out var error)
            && imds.TryGet(ClusterNameTagPath, token, timeBox.Token, out var tag, out error))
        {
            if (!string.IsNullOrWhiteSpace(tag))
            {
                return tag.Trim();
            }

            error = "the tag is empty";
        }

        _log.Write("no k8s.cluster.name: instance tag eks:cluster-name not readable (" + error
            + "); set " + AwsEnvironmentVariables.EksClusterName + " or allow tags in instance metadata");
        return null;
    }
}
