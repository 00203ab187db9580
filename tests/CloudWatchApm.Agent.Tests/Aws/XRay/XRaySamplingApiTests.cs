using System.Text;
using System.Text.Json;
using CloudWatchApm.Agent.Aws.XRay;
using Xunit;

namespace CloudWatchApm.Agent.Tests.Aws.XRay;

public class XRaySamplingApiTests
{
    [Fact]
    public void XRaySamplingApi_RuleWithOnlyRequiredNumbers_StringFieldsDefaultToWildcard()
    {
        var rules = new List<XRaySamplingRule>();
        var warnings = new List<string>();

        var next = XRaySamplingApi.ParseRules(Utf8("""{"SamplingRuleRecords":[{"SamplingRule":{"RuleName":"r","Priority":3,"FixedRate":0.5,"ReservoirSize":2}}]}"""), rules, warnings);

        Assert.Null(next);
        Assert.Empty(warnings);
        var rule = Assert.Single(rules);
        Assert.Equal(("r", 3, 0.5, 2, 1), (rule.RuleName, rule.Priority, rule.FixedRate, rule.ReservoirSize, rule.Version));
        Assert.All(new[] { rule.ServiceName, rule.ServiceType, rule.Host, rule.HttpMethod, rule.UrlPath, rule.ResourceArn }, v => Assert.Equal("*", v));
        Assert.Empty(rule.Attributes);
    }

    [Theory]
    [InlineData("""{"RuleName":"r","FixedRate":0.5,"ReservoirSize":2}""")]
    [InlineData("""{"RuleName":"r","Priority":1,"FixedRate":1.5,"ReservoirSize":2}""")]
    [InlineData("""{"RuleName":"r","Priority":1,"FixedRate":0.5,"ReservoirSize":-1}""")]
    [InlineData("""{"Priority":1,"FixedRate":0.5,"ReservoirSize":1}""")]
    public void XRaySamplingApi_InvalidRule_SkippedWithWarning(string rule)
    {
        var rules = new List<XRaySamplingRule>();
        var warnings = new List<string>();

        XRaySamplingApi.ParseRules(Utf8("{\"SamplingRuleRecords\":[{\"SamplingRule\":" + rule + "}]}"), rules, warnings);

        Assert.Empty(rules);
        Assert.Single(warnings);
    }

    [Fact]
    public void XRaySamplingApi_TargetsWithStringTimestamps_Parsed()
    {
        var response = XRaySamplingApi.ParseTargets(Utf8("""
            {"SamplingTargetDocuments":[
               {"RuleName":"a","FixedRate":0.1,"ReservoirQuota":4,"ReservoirQuotaTTL":"2025-01-01T00:01:00Z","Interval":20},
               {"RuleName":"b","FixedRate":0.2},
               {"FixedRate":0.3}],
             "LastRuleModification":"1735689600",
             "UnprocessedStatistics":[{"RuleName":"c","ErrorCode":"429","Message":"slow down"}]}
            """));

        Assert.Equal(2, response.Targets.Count);
        Assert.Equal(new XRaySamplingTarget("a", 0.1, 4, FakeClock.DefaultStart.AddMinutes(1), 20), response.Targets[0]);
        Assert.Equal(new XRaySamplingTarget("b", 0.2, null, null, null), response.Targets[1]);
        Assert.Equal(FakeClock.DefaultStart, response.LastRuleModification);
        Assert.Equal(new XRayUnprocessedStatistics("c", "429", "slow down"), Assert.Single(response.Unprocessed));
    }

    [Fact]
    public void XRaySamplingApi_StatisticsRequest_HasDocumentedShape()
    {
        var body = XRaySamplingApi.WriteTargetsRequest("0123456789abcdef01234567", FakeClock.DefaultStart, [new("r", 10, 2, 1)]);

        using var json = JsonDocument.Parse(body);
        var document = Assert.Single(json.RootElement.GetProperty("SamplingStatisticsDocuments").EnumerateArray());
        Assert.Equal("r", document.GetProperty("RuleName").GetString());
        Assert.Equal("0123456789abcdef01234567", document.GetProperty("ClientID").GetString());
        Assert.Equal(1735689600, document.GetProperty("Timestamp").GetInt64());
        Assert.Equal(10, document.GetProperty("RequestCount").GetInt64());
        Assert.Equal(2, document.GetProperty("SampledCount").GetInt64());
        Assert.Equal(1, document.GetProperty("BorrowCount").GetInt64());
    }

    [Fact]
    public void XRaySamplingApi_NotAnObject_Throws()
    {
        Assert.ThrowsAny<JsonException>(() => XRaySamplingApi.ParseTargets(Utf8("[]")));
    }

    private static byte[] Utf8(string json) => Encoding.UTF8.GetBytes(json);
}
