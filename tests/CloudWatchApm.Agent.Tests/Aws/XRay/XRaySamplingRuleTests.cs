using CloudWatchApm.Agent.Aws.XRay;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Xunit;
using static CloudWatchApm.Agent.Tests.Aws.XRay.XRaySamplingTestData;

namespace CloudWatchApm.Agent.Tests.Aws.XRay;

public class XRaySamplingRuleTests
{
    [Fact]
    public void XRayRemoteSampler_RulesWithPriorities_TriedByPriorityThenName()
    {
        using var sampler = OfflineSampler(new FakeClock(FakeClock.DefaultStart));

        sampler.ApplyRules(
            [
                new XRaySamplingRule("Default", 10000, 0.05, 1),
                new XRaySamplingRule("b", 10, 0.1, 1),
                new XRaySamplingRule("a", 10, 0.1, 1),
                new XRaySamplingRule("z", 1, 0.1, 1),
            ],
            FakeClock.DefaultStart);

        Assert.Equal(["z", "a", "b", "Default"], sampler.ActiveRules.Select(r => r.RuleName));
    }

    [Fact]
    public void XRayRemoteSampler_FirstMatchingRuleByPriority_Decides()
    {
        var clock = new FakeClock(FakeClock.DefaultStart);
        using var sampler = OfflineSampler(clock);
        sampler.ApplyRules(
            [
                new XRaySamplingRule("Default", 10000, 1.0, 0),
                new XRaySamplingRule("health", 1, 0.0, 0, urlPath: "/health*"),
            ],
            clock.UtcNow);

        Assert.Equal(SamplingDecision.Drop, sampler.ShouldSample(Span(AlwaysInRate, ("url.path", "/healthz"))).Decision);
        Assert.Equal(SamplingDecision.RecordAndSample, sampler.ShouldSample(Span(AlwaysInRate, ("url.path", "/orders"))).Decision);
    }

    [Theory]
    [InlineData("http.request.method", "GET", true)]
    [InlineData("http.method", "get", true)]
    [InlineData("http.request.method", "POST", false)]
    [InlineData("other", "GET", false)]
    public void XRaySamplingRule_HttpMethod_MatchesCurrentOrLegacyAttribute(string key, string value, bool expected)
    {
        var rule = new XRaySamplingRule("r", 1, 0, 0, httpMethod: "GET");

        Assert.Equal(expected, Matches(rule, (key, value)));
    }

    [Theory]
    [InlineData("url.path", "/api/orders", true)]
    [InlineData("http.target", "/api/orders?id=1", true)]
    [InlineData("url.full", "https://shop.example.com/api/orders?x=1", true)]
    [InlineData("http.url", "http://shop.example.com:8080/api/orders#top", true)]
    [InlineData("url.full", "https://shop.example.com", false)]
    [InlineData("http.target", "/other", false)]
    public void XRaySamplingRule_UrlPath_MatchesPathFromAnyUrlAttribute(string key, string value, bool expected)
    {
        var rule = new XRaySamplingRule("r", 1, 0, 0, urlPath: "/api/*");

        Assert.Equal(expected, Matches(rule, (key, value)));
    }

    [Fact]
    public void XRaySamplingRule_UrlPathPreferredOverTarget_UsesUrlPath()
    {
        var rule = new XRaySamplingRule("r", 1, 0, 0, urlPath: "/api/*");

        Assert.True(Matches(rule, ("http.target", "/other"), ("url.path", "/api/x")));
    }

    [Theory]
    [InlineData("server.address", "shop.example.com", true)]
    [InlineData("http.host", "SHOP.example.com", true)]
    [InlineData("server.address", "admin.example.org", false)]
    public void XRaySamplingRule_Host_MatchesServerAddressOrLegacyHost(string key, string value, bool expected)
    {
        var rule = new XRaySamplingRule("r", 1, 0, 0, host: "*.example.com");

        Assert.Equal(expected, Matches(rule, (key, value)));
    }

    [Fact]
    public void XRaySamplingRule_NoHttpAttributes_OnlyWildcardFieldsMatch()
    {
        Assert.True(Matches(new XRaySamplingRule("r", 1, 0, 0)));
        Assert.False(Matches(new XRaySamplingRule("r", 1, 0, 0, httpMethod: "GET")));
    }

    [Fact]
    public void XRaySamplingRule_Attributes_AllMustMatchSpanAttributes()
    {
        var rule = new XRaySamplingRule("r", 1, 0, 0, attributes: [new("tenant", "gold-*"), new("retry", "false")]);

        Assert.True(Matches(rule, ("tenant", "gold-eu"), ("retry", false)));
        Assert.False(Matches(rule, ("tenant", "silver"), ("retry", false)));
        Assert.False(Matches(rule, ("tenant", "gold-eu")));
    }

    [Fact]
    public void XRaySamplingRule_ResourceFields_MatchServiceNameTypeAndArn()
    {
        var resource = new XRaySamplerResource("checkout", "AWS::EC2::Instance", "arn:aws:ec2:eu-west-1:123:instance/i-1");

        Assert.True(new XRaySamplingRule("r", 1, 0, 0, serviceName: "check*", serviceType: "AWS::EC2::*").MatchesResource(resource));
        Assert.False(new XRaySamplingRule("r", 1, 0, 0, serviceName: "cart").MatchesResource(resource));
        Assert.False(new XRaySamplingRule("r", 1, 0, 0, serviceType: "AWS::ECS::Container").MatchesResource(resource));
        Assert.False(new XRaySamplingRule("r", 1, 0, 0, resourceArn: "arn:aws:lambda:*").MatchesResource(resource));
        Assert.False(new XRaySamplingRule("r", 1, 0, 0, serviceType: "AWS::EC2::Instance").MatchesResource(XRaySamplerResource.Empty));
    }

    [Fact]
    public void XRayRemoteSampler_RuleForAnotherService_NotActive()
    {
        using var sampler = OfflineSampler(new FakeClock(FakeClock.DefaultStart), new XRaySamplerResource("checkout", string.Empty, string.Empty));

        sampler.ApplyRules(
            [new XRaySamplingRule("cart-only", 1, 1, 0, serviceName: "cart"), new XRaySamplingRule("Default", 10000, 0.05, 1)],
            FakeClock.DefaultStart);

        Assert.Equal(["Default"], sampler.ActiveRules.Select(r => r.RuleName));
    }

    [Theory]
    [InlineData("aws_ec2", "AWS::EC2::Instance")]
    [InlineData("aws_ecs", "AWS::ECS::Container")]
    [InlineData("aws_eks", "AWS::EKS::Container")]
    [InlineData("aws_elastic_beanstalk", "AWS::ElasticBeanstalk::Environment")]
    [InlineData("aws_lambda", "AWS::Lambda::Function")]
    [InlineData("gcp_compute_engine", "")]
    public void XRaySamplerResource_CloudPlatform_MapsToServiceType(string platform, string serviceType)
    {
        var resource = ResourceBuilder.CreateEmpty()
            .AddAttributes([new("service.name", "checkout"), new("cloud.platform", platform), new("aws.ecs.container.arn", "arn:aws:ecs:c")])
            .Build();

        var info = XRaySamplerResource.FromResource(resource);

        Assert.Equal("checkout", info.ServiceName);
        Assert.Equal(serviceType, info.ServiceType);
        Assert.Equal("arn:aws:ecs:c", info.ResourceArn);
    }

    private static bool Matches(XRaySamplingRule rule, params (string Key, object? Value)[] tags)
    {
        var parameters = Span(AlwaysInRate, tags);
        var facts = XRaySpanFacts.From(parameters.Tags);
        return rule.MatchesSpan(facts, parameters.Tags);
    }
}
