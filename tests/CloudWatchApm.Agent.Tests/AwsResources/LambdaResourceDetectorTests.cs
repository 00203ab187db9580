using CloudWatchApm.Agent.Aws.Resources;
using Xunit;

namespace CloudWatchApm.Agent.Tests.AwsResources;

public sealed class LambdaResourceDetectorTests
{
    [Fact]
    public void LambdaDetector_RuntimeVariables_ReturnsFaasAttributes()
    {
        var environment = new FakeEnvironment()
            .Set("AWS_LAMBDA_FUNCTION_NAME", "resize-image")
            .Set("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
            .Set("AWS_REGION", "ap-southeast-2")
            .Set("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "512")
            .Set("AWS_LAMBDA_LOG_STREAM_NAME", "2024/05/01/[$LATEST]0a1b2c3d4e5f40718293a4b5c6d7e8f9")
            .Set("AWS_LAMBDA_LOG_GROUP_NAME", "/aws/lambda/resize-image");

        var attributes = ResourceAssert.ToDictionary(new LambdaResourceDetector(null, environment.Get).Detect());

        Assert.Equal("aws", attributes["cloud.provider"]);
        Assert.Equal("aws_lambda", attributes["cloud.platform"]);
        Assert.Equal("ap-southeast-2", attributes["cloud.region"]);
        Assert.Equal("resize-image", attributes["faas.name"]);
        Assert.Equal("$LATEST", attributes["faas.version"]);
        Assert.Equal("2024/05/01/[$LATEST]0a1b2c3d4e5f40718293a4b5c6d7e8f9", attributes["faas.instance"]);
        Assert.Equal(512L * 1024 * 1024, attributes["faas.max_memory"]);
        Assert.Equal(new[] { "/aws/lambda/resize-image" }, attributes["aws.log.group.names"]);
        Assert.Equal(8, attributes.Count);
    }

    [Fact]
    public void LambdaDetector_NoFunctionName_ReturnsEmptyAndLogs()
    {
        var log = new List<string>();

        var resource = new LambdaResourceDetector(log.Add, new FakeEnvironment().Set("AWS_REGION", "us-east-1").Get).Detect();

        Assert.Empty(resource.Attributes);
        Assert.Contains(log, l => l.Contains("not Lambda", StringComparison.Ordinal));
    }

    [Fact]
    public void LambdaDetector_MemoryNotANumber_OmitsMaxMemoryAndLogs()
    {
        var log = new List<string>();
        var environment = new FakeEnvironment()
            .Set("AWS_LAMBDA_FUNCTION_NAME", "f")
            .Set("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "lots");

        var attributes = ResourceAssert.ToDictionary(new LambdaResourceDetector(log.Add, environment.Get).Detect());

        Assert.False(attributes.ContainsKey("faas.max_memory"));
        Assert.Contains(log, l => l.Contains("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", StringComparison.Ordinal));
    }
}
