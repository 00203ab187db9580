// Elastic Beanstalk attributes from the environment file the platform writes on each instance
// for X-Ray: {"deployment_id": 23, "version_label": "...", "environment_name": "..."}.
// No file, no Beanstalk; no network either way.
using OpenTelemetry.Resources;

namespace CloudWatchApm.Agent.Aws.Resources;

internal sealed class ElasticBeanstalkResourceDetector : IResourceDetector
{
    /// <summary>Switch: OTEL_DOTNET_AUTO_ELASTICBEANSTALK_RESOURCE_DETECTOR_ENABLED.</summary>
    internal const string Id = "ELASTICBEANSTALK";

    internal const string LinuxEnvironmentFile = "/var/elasticbeanstalk/xray/environment.conf";
    internal const string WindowsEnvironmentFile = @"C:\Program Files\Amazon\XRay\environment.conf";

    // The real file is under 1 KB; anything far larger is not it.
    private const long MaxFileBytes = 64 * 1024;

    private readonly DetectorLog _log;
    private readonly string _environmentFile;

    internal ElasticBeanstalkResourceDetector(Action<string>? log)
        : this(log, OperatingSystem.IsWindows() ? WindowsEnvironmentFile : LinuxEnvironmentFile)
    {
    }

    /// <summary>For tests: where the environment file is.</summary>
    internal ElasticBeanstalkResourceDetector(Action<string>? log, string environmentFile)
    {
        _log = new DetectorLog(Id, log);
        _environmentFile = environmentFile;
    }

    public Resource Detect()
    {
        try
        {
            var file = new FileInfo(_environmentFile);
            if (!file.Exists)
            {
                _log.Write("skipped, not Elastic Beanstalk (no " + _environmentFile + ")");
                return Resource.Empty;
            }

            if (file.Length > MaxFileBytes)
            {
                _log.Write("skipped, " + _environmentFile + " is " + file.Length + " bytes, too large to be the environment file");
                return Resource.Empty;
            }

            using var document = JsonFields.ParseObject(File.ReadAllText(_environmentFile), out var error);
            if (document is null)
            {
                _log.Write(_environmentFile + " unusable: " + error);
                return Resource.Empty;
            }

            var root = document.RootElement;
            var attributes = new AttributeList();
            attributes.Add(AwsResourceAttributes.CloudProvider, AwsResourceAttributes.ProviderAws);
            attributes.Add(AwsResourceAttributes.CloudPlatform, AwsResourceAttributes.PlatformElasticBeanstalk);
            attributes.Add(AwsResourceAttributes.ServiceNamespace, JsonFields.GetText(root, "environment_name"));
            attributes.Add(AwsResourceAttributes.ServiceInstanceId, JsonFields.GetText(root, "deployment_id"));
            attributes.Add(AwsResourceAttributes.ServiceVersion, JsonFields.GetText(root, "version_label"));
            return attributes.ToResource();
        }
        catch (Exception ex)
        {
            _log.Write("failed: " + ex.Message);
            return Resource.Empty;
        }
    }
}
