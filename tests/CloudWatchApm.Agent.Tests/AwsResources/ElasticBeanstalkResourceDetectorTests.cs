using CloudWatchApm.Agent.Aws.Resources;
using Xunit;

namespace CloudWatchApm.Agent.Tests.AwsResources;

public sealed class ElasticBeanstalkResourceDetectorTests
{
    [Fact]
    public void BeanstalkDetector_EnvironmentFile_ReturnsServiceAttributes()
    {
        using var dir = new TempDirectory();
        var file = dir.Write("elasticbeanstalk/xray/environment.conf", """{"deployment_id":42,"version_label":"app-1.8.0-240501","environment_name":"checkout-prod"}""");

        var attributes = ResourceAssert.ToDictionary(new ElasticBeanstalkResourceDetector(null, file).Detect());

        Assert.Equal("aws", attributes["cloud.provider"]);
        Assert.Equal("aws_elastic_beanstalk", attributes["cloud.platform"]);
        Assert.Equal("checkout-prod", attributes["service.namespace"]);
        Assert.Equal("42", attributes["service.instance.id"]);
        Assert.Equal("app-1.8.0-240501", attributes["service.version"]);
    }

    [Fact]
    public void BeanstalkDetector_NoFile_ReturnsEmptyAndLogs()
    {
        using var dir = new TempDirectory();
        var log = new List<string>();

        var resource = new ElasticBeanstalkResourceDetector(log.Add, Path.Combine(dir.Path, "environment.conf")).Detect();

        Assert.Empty(resource.Attributes);
        Assert.Contains(log, l => l.Contains("not Elastic Beanstalk", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("")]
    [InlineData("deployment_id=42")]
    [InlineData("[1, 2]")]
    public void BeanstalkDetector_MalformedFile_ReturnsEmptyAndLogs(string content)
    {
        using var dir = new TempDirectory();
        var file = dir.Write("environment.conf", content);
        var log = new List<string>();

        var resource = new ElasticBeanstalkResourceDetector(log.Add, file).Detect();

        Assert.Empty(resource.Attributes);
        Assert.Contains(log, l => l.Contains("unusable", StringComparison.Ordinal));
    }
}
