using CloudWatchApm.Agent.Aws.XRay;
using Xunit;

namespace CloudWatchApm.Agent.Tests.Aws.XRay;

public class XRayGlobTests
{
    [Theory]
    [InlineData("anything", "*")]
    [InlineData("", "*")]
    [InlineData("", "")]
    [InlineData("", "**")]
    [InlineData("/api/users", "/api/*")]
    [InlineData("/api/", "/api/*")]
    [InlineData("/api/users/42", "/api/*/42")]
    [InlineData("GET", "get")]
    [InlineData("Example.COM", "*.com")]
    [InlineData("abc", "a?c")]
    [InlineData("abc", "???")]
    [InlineData("abc", "*?")]
    [InlineData("mississippi", "m*iss*ppi")]
    [InlineData("mississippi", "*sip*")]
    [InlineData("aaa", "a*a*a")]
    [InlineData("AWS::EC2::Instance", "AWS::EC2::*")]
    public void XRayGlob_MatchingText_Matches(string text, string pattern)
    {
        Assert.True(XRayGlob.IsMatch(text, pattern));
    }

    [Theory]
    [InlineData("abc", "")]
    [InlineData("", "?")]
    [InlineData("/api/users", "/api")]
    [InlineData("x/api/users", "/api/*")]
    [InlineData("/api/users/43", "/api/*/42")]
    [InlineData("abcd", "a?c")]
    [InlineData("ac", "a?c")]
    [InlineData("abc", "????")]
    [InlineData("mississippi", "m*iss*ppix")]
    [InlineData("aa", "a*a*a")]
    [InlineData("POST", "GET")]
    public void XRayGlob_OtherText_DoesNotMatch(string text, string pattern)
    {
        Assert.False(XRayGlob.IsMatch(text, pattern));
    }

    [Fact]
    public void XRayGlob_LongTextManyStars_StaysFast()
    {
        var text = new string('a', 10_000) + "b";
        var pattern = "*a*a*a*a*a*a*a*a*c";

        var watch = System.Diagnostics.Stopwatch.StartNew();
        var matched = XRayGlob.IsMatch(text, pattern);

        Assert.False(matched);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(1));
    }
}
