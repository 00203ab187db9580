using CloudWatchApm.Agent.Aws.XRay;
using Xunit;

namespace CloudWatchApm.Agent.Tests.Aws.XRay;

public class XRayRemoteSamplerOptionsTests
{
    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("  ")]
    public void XRayRemoteSamplerOptions_NoArgument_Defaults(string? argument)
    {
        var warnings = new List<string>();

        var options = XRayRemoteSamplerOptions.Parse(argument, warnings);

        Assert.Empty(warnings);
        Assert.Equal(new Uri("http://localhost:2000/"), options.Endpoint);
        Assert.Equal(TimeSpan.FromSeconds(300), options.PollingInterval);
    }

    [Fact]
    public void XRayRemoteSamplerOptions_BothKeys_Parsed()
    {
        var warnings = new List<string>();

        var options = XRayRemoteSamplerOptions.Parse("endpoint=http://collector:2000,polling_interval=60", warnings);

        Assert.Empty(warnings);
        Assert.Equal(new Uri("http://collector:2000/"), options.Endpoint);
        Assert.Equal(TimeSpan.FromSeconds(60), options.PollingInterval);
    }

    [Fact]
    public void XRayRemoteSamplerOptions_MixedCaseAndSpaces_Parsed()
    {
        var warnings = new List<string>();

        var options = XRayRemoteSamplerOptions.Parse(" Polling_Interval = 30 , ENDPOINT = https://proxy.local/xray ,", warnings);

        Assert.Empty(warnings);
        Assert.Equal(new Uri("https://proxy.local/xray/"), options.Endpoint);
        Assert.Equal(TimeSpan.FromSeconds(30), options.PollingInterval);
    }

    [Theory]
    [InlineData("endpoint=localhost:2000")]
    [InlineData("endpoint=ftp://host:2000")]
    [InlineData("endpoint=/relative")]
    [InlineData("endpoint=http://host:2000/?x=1")]
    [InlineData("endpoint=")]
    public void XRayRemoteSamplerOptions_BadEndpoint_WarnsAndKeepsDefault(string argument)
    {
        var warnings = new List<string>();

        var options = XRayRemoteSamplerOptions.Parse(argument + ",polling_interval=10", warnings);

        Assert.Contains("endpoint", Assert.Single(warnings), StringComparison.Ordinal);
        Assert.Equal(XRayRemoteSamplerOptions.DefaultEndpoint, options.Endpoint);
        Assert.Equal(TimeSpan.FromSeconds(10), options.PollingInterval);
    }

    [Theory]
    [InlineData("polling_interval=abc")]
    [InlineData("polling_interval=0")]
    [InlineData("polling_interval=-5")]
    [InlineData("polling_interval=1.5")]
    [InlineData("polling_interval=999999")]
    public void XRayRemoteSamplerOptions_BadPollingInterval_WarnsAndKeepsDefault(string argument)
    {
        var warnings = new List<string>();

        var options = XRayRemoteSamplerOptions.Parse(argument, warnings);

        Assert.Contains("polling_interval", Assert.Single(warnings), StringComparison.Ordinal);
        Assert.Equal(TimeSpan.FromSeconds(300), options.PollingInterval);
    }

    [Fact]
    public void XRayRemoteSamplerOptions_SeveralProblems_AllReportedOnce()
    {
        var warnings = new List<string>();

        var options = XRayRemoteSamplerOptions.Parse("endpont=http://x:1,polling_interval=never,justtext,endpoint=http://ok:2000", warnings);

        Assert.Equal(3, warnings.Count);
        Assert.Contains(warnings, w => w.Contains("'endpont'", StringComparison.Ordinal));
        Assert.Contains(warnings, w => w.Contains("'never'", StringComparison.Ordinal));
        Assert.Contains(warnings, w => w.Contains("'justtext'", StringComparison.Ordinal));
        Assert.Equal(new Uri("http://ok:2000/"), options.Endpoint);
    }
}
