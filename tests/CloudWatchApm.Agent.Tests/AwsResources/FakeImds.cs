// IMDSv2 as documented: PUT /latest/api/token with a TTL header returns a token; GETs must
// carry it or get 401. Also fake DMI trees for the "is this EC2" check.
using CloudWatchApm.Agent.Aws.Resources;

namespace CloudWatchApm.Agent.Tests.AwsResources;

internal static class FakeImds
{
    internal const string Token = "AQAEAFakeTokenForTests==";

    internal const string IdentityDocument = """
        {
          "accountId" : "123456789012",
          "architecture" : "x86_64",
          "availabilityZone" : "us-west-2b",
          "billingProducts" : null,
          "devpayProductCodes" : null,
          "marketplaceProductCodes" : null,
          "imageId" : "ami-0abcdef1234567890",
          "instanceId" : "i-0123456789abcdef0",
          "instanceType" : "m5.large",
          "kernelId" : null,
          "pendingTime" : "2024-05-01T10:00:00Z",
          "privateIp" : "10.0.1.12",
          "ramdiskId" : null,
          "region" : "us-west-2",
          "version" : "2017-09-30"
        }
        """;

    internal const string Hostname = "ip-10-0-1-12.us-west-2.compute.internal";

    /// <summary>An IMDS answering the given metadata paths (leading '/', e.g. "/latest/meta-data/hostname").</summary>
    internal static FakeMetadataServer Start(IReadOnlyDictionary<string, string> paths)
        => new(request =>
        {
            if (request.Path == "/" + InstanceMetadataClient.TokenPath)
            {
                return request.Method == "PUT" && request.Headers.ContainsKey(InstanceMetadataClient.TokenTtlHeader)
                    ? FakeResponse.Ok(Token)
                    : new FakeResponse(400, "Bad Request");
            }

            if (!request.Headers.TryGetValue(InstanceMetadataClient.TokenHeader, out var token) || token != Token)
            {
                return new FakeResponse(401, "Unauthorized");
            }

            return paths.TryGetValue(request.Path, out var body) ? FakeResponse.Ok(body) : FakeResponse.NotFound();
        });

    internal static FakeMetadataServer StartEc2()
        => Start(new Dictionary<string, string>
        {
            ["/" + Ec2ResourceDetector.IdentityDocumentPath] = IdentityDocument,
            ["/" + Ec2ResourceDetector.HostnamePath] = Hostname,
        });

    /// <summary>A /sys stand-in whose DMI files say Nitro EC2.</summary>
    internal static Ec2Dmi Ec2Dmi(TempDirectory sys)
    {
        WriteDmi(sys, "sys_vendor", "Amazon EC2");
        WriteDmi(sys, "product_name", "m5.large");
        WriteDmi(sys, "board_asset_tag", "i-0123456789abcdef0");
        return new Ec2Dmi(sys.Path);
    }

    /// <summary>A /sys stand-in whose DMI files say some other vendor.</summary>
    internal static Ec2Dmi OtherDmi(TempDirectory sys)
    {
        WriteDmi(sys, "sys_vendor", "Dell Inc.");
        WriteDmi(sys, "product_name", "PowerEdge R640");
        WriteDmi(sys, "bios_vendor", "Dell Inc.");
        WriteDmi(sys, "bios_version", "2.12.2");
        return new Ec2Dmi(sys.Path);
    }

    internal static void WriteDmi(TempDirectory sys, string name, string value)
        => sys.Write(Path.Combine("devices/virtual/dmi/id", name), value + "\n");
}
