// EC2 instance attributes from IMDSv2. Checks DMI first so that a machine that is plainly not
// EC2 makes no network call at all; on EC2 the whole detection (token, identity document,
// hostname) shares one time box.
using System.Text.Json;
using OpenTelemetry.Resources;

namespace CloudWatchApm.Agent.Aws.Resources;

internal sealed class Ec2ResourceDetector : IResourceDetector
{
    /// <summary>Switch: OTEL_DOTNET_AUTO_EC2_RESOURCE_DETECTOR_ENABLED.</summary>
    internal const string Id = "EC2";

    internal const string IdentityDocumentPath = "latest/dynamic/instance-identity/document";
    internal const string HostnamePath = "latest/meta-data/hostname";

    internal static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(1);

    private readonly DetectorLog _log;
    private readonly Ec2Dmi _dmi;
    private readonly Uri _imdsBaseAddress;
    private readonly TimeSpan _timeout;

    internal Ec2ResourceDetector(Action<string>? log)
        : this(log, new Ec2Dmi(), InstanceMetadataClient.DefaultBaseAddress, DefaultTimeout)
    {
    }

    /// <summary>For tests: fake DMI, a local IMDS and a time box.</summary>
    internal Ec2ResourceDetector(Action<string>? log, Ec2Dmi dmi, Uri imdsBaseAddress, TimeSpan timeout)
    {
        _log = new DetectorLog(Id, log);
        _dmi = dmi;
        _imdsBaseAddress = imdsBaseAddress;
        _timeout = timeout;
    }

    public Resource Detect()
    {
        try
        {
            if (!_dmi.LooksLikeEc2(out var reason))
            {
                _log.Write("skipped, not EC2 (" + reason + ")");
                return Resource.Empty;
            }

            return DetectFromImds();
        }
        catch (Exception ex)
        {
            _log.Write("failed: " + ex.Message);
            return Resource.Empty;
        }
    }

    private Resource DetectFromImds()
    {
        using var timeBox = new CancellationTokenSource(_timeout);
        using var imds = new InstanceMetadataClient(_imdsBaseAddress, _timeout);

        if (!imds.TryGetToken(timeBox.Token, out var token, out var error)
            || !imds.TryGet(IdentityDocumentPath, token, timeBox.Token, out var documentText, out error))
        {
            _log.Write("IMDS not usable, no EC2 attributes: " + error);
            return Resource.Empty;
        }

        using var document = JsonFields.ParseObject(documentText, out error);
        if (document is null)
        {
            _log.Write("instance identity document unusable: " + error);
            return Resource.Empty;
        }

        var attributes = new AttributeList();
        attributes.Add(AwsResourceAttributes.CloudProvider, AwsResourceAttributes.ProviderAws);
        attributes.Add(AwsResourceAttributes.CloudPlatform, AwsResourceAttributes.PlatformEc2);
        AddIdentity(attributes, document.RootElement);

        // The hostname is a nicety: without it the identity attributes still stand.
        if (imds.TryGet(HostnamePath, token, timeBox.Token, out var hostname, out error))
        {
            attributes.Add(AwsResourceAttributes.HostName, hostname.Trim());
        }
        else
        {
            _log.Write("no host.name: " + error);
        }

        return attributes.ToResource();
    }

    private static void AddIdentity(AttributeList attributes, JsonElement identity)
    {
        attributes.Add(AwsResourceAttributes.CloudAccountId, JsonFields.GetText(identity, "accountId"));
        attributes.Add(AwsResourceAttributes.CloudRegion, JsonFields.GetText(identity, "region"));
        attributes.Add(AwsResourceAttributes.CloudAvailabilityZone, JsonFields.GetText(identity, "availabilityZone"));
        attributes.Add(AwsResourceAttributes.HostId, JsonFields.GetText(identity, "instanceId"));
        attributes.Add(AwsResourceAttributes.HostType, JsonFields.GetText(identity, "instanceType"));
        attributes.Add(AwsResourceAttributes.HostImageId, JsonFields.GetText(identity, "imageId"));
    }
}
