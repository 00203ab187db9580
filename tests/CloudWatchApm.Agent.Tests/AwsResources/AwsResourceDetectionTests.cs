using System.Collections.Concurrent;
using System.Diagnostics;
using CloudWatchApm.Agent.Aws.Resources;
using OpenTelemetry.Resources;
using Xunit;

namespace CloudWatchApm.Agent.Tests.AwsResources;

public sealed class AwsResourceDetectionTests : IDisposable
{
    private readonly ConcurrentDictionary<string, FakeDetector> _detectors = new(StringComparer.Ordinal);
    private readonly List<string> _log = [];
    private readonly ManualResetEventSlim _release = new();

    public void Dispose()
    {
        _release.Set();
        _release.Dispose();
    }

    [Fact]
    public void Detection_DisabledDetector_IsNeverCreated()
    {
        Fake("EC2", Platform("aws_ec2"));
        Fake("ECS", Platform("aws_ecs"));

        var attributes = Run(["ECS"]);

        Assert.Equal("aws_ecs", attributes["cloud.platform"]);
        Assert.Equal(0, _detectors["EC2"].Calls);
    }

    [Fact]
    public void Detection_IdsInAnyCase_AreRecognized()
    {
        Fake("ELASTICBEANSTALK", Platform("aws_elastic_beanstalk"));

        var attributes = Run(["elasticBeanstalk"]);

        Assert.Equal("aws_elastic_beanstalk", attributes["cloud.platform"]);
    }

    [Fact]
    public void Detection_LambdaMatches_RunsNothingElse()
    {
        Fake("LAMBDA", Platform("aws_lambda"));
        Fake("EC2", Platform("aws_ec2"));
        Fake("ECS", Platform("aws_ecs"));

        var attributes = Run(AwsResourceDetection.DetectorIds);

        Assert.Equal("aws_lambda", attributes["cloud.platform"]);
        Assert.Equal(0, _detectors["EC2"].Calls);
        Assert.Equal(0, _detectors["ECS"].Calls);
    }

    [Fact]
    public void Detection_EcsOnEc2_MoreSpecificPlatformWinsAndHostAttributesStay()
    {
        Fake("EC2", Platform("aws_ec2", ("host.id", "i-0123456789abcdef0"), ("cloud.region", "eu-west-1")));
        Fake("ECS", Platform("aws_ecs", ("aws.ecs.launchtype", "ec2")));

        var attributes = Run(AwsResourceDetection.DetectorIds);

        Assert.Equal("aws_ecs", attributes["cloud.platform"]);
        Assert.Equal("i-0123456789abcdef0", attributes["host.id"]);
        Assert.Equal("ec2", attributes["aws.ecs.launchtype"]);
    }

    [Theory]
    [InlineData("ELASTICBEANSTALK", "aws_elastic_beanstalk")]
    [InlineData("EKS", "aws_eks")]
    public void Detection_PlatformOnEc2_PlatformWinsOverEc2(string id, string platform)
    {
        Fake("EC2", Platform("aws_ec2", ("host.id", "i-1")));
        Fake(id, Platform(platform));

        var attributes = Run(AwsResourceDetection.DetectorIds);

        Assert.Equal(platform, attributes["cloud.platform"]);
        Assert.Equal("i-1", attributes["host.id"]);
    }

    [Fact]
    public void Detection_EcsFargate_SkipsEc2()
    {
        Fake("EC2", Platform("aws_ec2"));
        Fake("ECS", Platform("aws_ecs"));
        var environment = new FakeEnvironment().Set("AWS_EXECUTION_ENV", "AWS_ECS_FARGATE");

        var attributes = Run(AwsResourceDetection.DetectorIds, environment);

        Assert.Equal("aws_ecs", attributes["cloud.platform"]);
        Assert.Equal(0, _detectors["EC2"].Calls);
    }

    [Fact]
    public void Detection_DetectorThrows_IsLoggedAndOthersKept()
    {
        Fake("EC2", Platform("aws_ec2"));
        _detectors["EKS"] = new FakeDetector(() => throw new InvalidOperationException("kaput"));

        var attributes = Run(AwsResourceDetection.DetectorIds);

        Assert.Equal("aws_ec2", attributes["cloud.platform"]);
        Assert.Contains(_log, l => l.Contains("EKS failed: kaput", StringComparison.Ordinal));
    }

    [Fact]
    public void Detection_DetectorOverruns_IsLeftOutAtDeadline()
    {
        Fake("ECS", Platform("aws_ecs"));
        _detectors["EC2"] = new FakeDetector(() =>
        {
            _release.Wait(TimeSpan.FromSeconds(30));
            return Platform("aws_ec2");
        });

        var clock = Stopwatch.StartNew();
        var attributes = Run(AwsResourceDetection.DetectorIds, deadline: TimeSpan.FromMilliseconds(300));
        clock.Stop();

        Assert.Equal("aws_ecs", attributes["cloud.platform"]);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(3), "took " + clock.Elapsed);
        Assert.Contains(_log, l => l.Contains("EC2 did not finish", StringComparison.Ordinal));
    }

    [Fact]
    public void Detection_NetworkDetectors_RunInParallel()
    {
        foreach (var id in new[] { "EC2", "ECS", "EKS" })
        {
            _detectors[id] = new FakeDetector(() =>
            {
                Thread.Sleep(1000);
                return Resource.Empty;
            });
        }

        var clock = Stopwatch.StartNew();
        Run(AwsResourceDetection.DetectorIds, deadline: TimeSpan.FromSeconds(10));
        clock.Stop();

        // One after the other would take 3 s.
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2.5), "took " + clock.Elapsed);
        Assert.All(_detectors.Values, d => Assert.Equal(1, d.Calls));
    }

    [Fact]
    public void Detection_NothingFound_ReturnsEmptyAndSaysSo()
    {
        var attributes = Run(AwsResourceDetection.DetectorIds);

        Assert.Empty(attributes);
        Assert.Contains(_log, l => l.Contains("no AWS platform found", StringComparison.Ordinal));
    }

    [Fact]
    public void Detection_RealDetectorsOnThisMachine_NeverThrowAndStayWithinBudget()
    {
        var log = new ConcurrentQueue<string>();

        var clock = Stopwatch.StartNew();
        var resource = AwsResourceDetection.Detect(AwsResourceDetection.DetectorIds, log.Enqueue);
        clock.Stop();

        Assert.NotNull(resource);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(3), "took " + clock.Elapsed);
        Assert.NotEmpty(log);
    }

    private static Resource Platform(string platform, params (string Key, string Value)[] more)
    {
        var attributes = new List<KeyValuePair<string, object>>
        {
            new("cloud.provider", "aws"),
            new("cloud.platform", platform),
        };
        attributes.AddRange(more.Select(m => new KeyValuePair<string, object>(m.Key, m.Value)));
        return new Resource(attributes);
    }

    private void Fake(string id, Resource resource) => _detectors[id] = new FakeDetector(() => resource);

    private Dictionary<string, object> Run(IEnumerable<string> enabled, FakeEnvironment? environment = null, TimeSpan? deadline = null)
    {
        var detection = new AwsResourceDetection(
            (id, _) => _detectors.TryGetValue(id, out var detector) ? detector : null,
            (environment ?? new FakeEnvironment()).Get,
            deadline ?? TimeSpan.FromSeconds(5));
        return ResourceAssert.ToDictionary(detection.Run(enabled, _log.Add));
    }

    private sealed class FakeDetector(Func<Resource> detect) : IResourceDetector
    {
        private int _calls;

        public int Calls => Volatile.Read(ref _calls);

        public Resource Detect()
        {
            Interlocked.Increment(ref _calls);
            return detect();
        }
    }
}
