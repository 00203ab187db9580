using System.Diagnostics;
using CloudWatchApm.Agent.Aws.Resources;
using Xunit;

namespace CloudWatchApm.Agent.Tests.AwsResources;

public sealed class Ec2ResourceDetectorTests
{
    [Fact]
    public void Ec2Detector_ImdsAnswers_ReturnsInstanceAttributes()
    {
        using var sys = new TempDirectory();
        using var imds = FakeImds.StartEc2();
        var detector = new Ec2ResourceDetector(null, FakeImds.Ec2Dmi(sys), imds.BaseAddress, TimeSpan.FromSeconds(5));

        var attributes = ResourceAssert.ToDictionary(detector.Detect());

        Assert.Equal("aws", attributes["cloud.provider"]);
        Assert.Equal("aws_ec2", attributes["cloud.platform"]);
        Assert.Equal("123456789012", attributes["cloud.account.id"]);
        Assert.Equal("us-west-2", attributes["cloud.region"]);
        Assert.Equal("us-west-2b", attributes["cloud.availability_zone"]);
        Assert.Equal("i-0123456789abcdef0", attributes["host.id"]);
        Assert.Equal("m5.large", attributes["host.type"]);
        Assert.Equal("ami-0abcdef1234567890", attributes["host.image.id"]);
        Assert.Equal(FakeImds.Hostname, attributes["host.name"]);
        Assert.Equal(9, attributes.Count);
    }

    [Fact]
    public void Ec2Detector_ImdsAnswers_UsesTokenFromPutOnEveryGet()
    {
        using var sys = new TempDirectory();
        using var imds = FakeImds.StartEc2();

        new Ec2ResourceDetector(null, FakeImds.Ec2Dmi(sys), imds.BaseAddress, TimeSpan.FromSeconds(5)).Detect();

        var requests = imds.Requests;
        Assert.Equal("PUT", requests[0].Method);
        Assert.Equal("/latest/api/token", requests[0].Path);
        Assert.True(requests[0].Headers.ContainsKey("X-aws-ec2-metadata-token-ttl-seconds"));
        Assert.All(requests.Skip(1), r =>
        {
            Assert.Equal("GET", r.Method);
            Assert.Equal(FakeImds.Token, r.Headers["X-aws-ec2-metadata-token"]);
        });
        Assert.Contains(requests, r => r.Path == "/latest/dynamic/instance-identity/document");
        Assert.Contains(requests, r => r.Path == "/latest/meta-data/hostname");
    }

    [Fact]
    public void Ec2Detector_DmiNotAmazon_MakesNoRequest()
    {
        using var sys = new TempDirectory();
        using var imds = FakeImds.StartEc2();
        var log = new List<string>();

        var resource = new Ec2ResourceDetector(log.Add, FakeImds.OtherDmi(sys), imds.BaseAddress, TimeSpan.FromSeconds(5)).Detect();

        Assert.Empty(resource.Attributes);
        Assert.Equal(0, imds.Connections);
        Assert.Contains(log, l => l.Contains("not EC2", StringComparison.Ordinal));
    }

    [Fact]
    public void Ec2Detector_NoDmiAtAll_MakesNoRequest()
    {
        using var sys = new TempDirectory();
        using var imds = FakeImds.StartEc2();

        var resource = new Ec2ResourceDetector(null, new Ec2Dmi(sys.Path), imds.BaseAddress, TimeSpan.FromSeconds(5)).Detect();

        Assert.Empty(resource.Attributes);
        Assert.Equal(0, imds.Connections);
    }

    [Fact]
    public void Ec2Detector_ImdsNeverAnswers_ReturnsEmptyWithinTimeBox()
    {
        using var sys = new TempDirectory();
        using var imds = FakeMetadataServer.Silent();
        var log = new List<string>();
        var detector = new Ec2ResourceDetector(log.Add, FakeImds.Ec2Dmi(sys), imds.BaseAddress, Ec2ResourceDetector.DefaultTimeout);

        var clock = Stopwatch.StartNew();
        var resource = detector.Detect();
        clock.Stop();

        Assert.Empty(resource.Attributes);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(3), "took " + clock.Elapsed);
        Assert.Contains(log, l => l.Contains("did not answer in time", StringComparison.Ordinal));
    }

    [Fact]
    public void Ec2Detector_NothingListening_ReturnsEmpty()
    {
        using var sys = new TempDirectory();
        Uri closed;
        using (var server = FakeMetadataServer.Silent())
        {
            closed = server.BaseAddress;
        }

        var resource = new Ec2ResourceDetector(null, FakeImds.Ec2Dmi(sys), closed, TimeSpan.FromSeconds(2)).Detect();

        Assert.Empty(resource.Attributes);
    }

    [Fact]
    public void Ec2Detector_TokenRefused_ReturnsEmptyAndLogs()
    {
        using var sys = new TempDirectory();
        using var imds = new FakeMetadataServer(_ => new FakeResponse(403, "Forbidden"));
        var log = new List<string>();

        var resource = new Ec2ResourceDetector(log.Add, FakeImds.Ec2Dmi(sys), imds.BaseAddress, TimeSpan.FromSeconds(5)).Detect();

        Assert.Empty(resource.Attributes);
        Assert.Contains(log, l => l.Contains("HTTP 403", StringComparison.Ordinal));
    }

    [Fact]
    public void Ec2Detector_HostnameMissing_KeepsIdentityAttributes()
    {
        using var sys = new TempDirectory();
        using var imds = FakeImds.Start(new Dictionary<string, string>
        {
            ["/" + Ec2ResourceDetector.IdentityDocumentPath] = FakeImds.IdentityDocument,
        });

        var attributes = ResourceAssert.ToDictionary(
            new Ec2ResourceDetector(null, FakeImds.Ec2Dmi(sys), imds.BaseAddress, TimeSpan.FromSeconds(5)).Detect());

        Assert.Equal("i-0123456789abcdef0", attributes["host.id"]);
        Assert.False(attributes.ContainsKey("host.name"));
    }

    [Fact]
    public void Ec2Detector_IdentityDocumentNotJson_ReturnsEmptyAndLogs()
    {
        using var sys = new TempDirectory();
        using var imds = FakeImds.Start(new Dictionary<string, string>
        {
            ["/" + Ec2ResourceDetector.IdentityDocumentPath] = "<html>captive portal</html>",
        });
        var log = new List<string>();

        var resource = new Ec2ResourceDetector(log.Add, FakeImds.Ec2Dmi(sys), imds.BaseAddress, TimeSpan.FromSeconds(5)).Detect();

        Assert.Empty(resource.Attributes);
        Assert.Contains(log, l => l.Contains("invalid JSON", StringComparison.Ordinal));
    }

    [Fact]
    public void Ec2Detector_LogCallbackThrows_StillReturns()
    {
        using var sys = new TempDirectory();

        var resource = new Ec2ResourceDetector(_ => throw new InvalidOperationException("broken log"), FakeImds.OtherDmi(sys), new Uri("http://127.0.0.1:9/"), TimeSpan.FromSeconds(1)).Detect();

        Assert.Empty(resource.Attributes);
    }
}
