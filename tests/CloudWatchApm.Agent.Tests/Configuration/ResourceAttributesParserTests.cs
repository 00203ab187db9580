using CloudWatchApm.Agent.Configuration;
using Xunit;

namespace CloudWatchApm.Agent.Tests.Configuration;

public sealed class ResourceAttributesParserTests
{
    [Theory]
    [InlineData("a%2Cb", "a,b")]
    [InlineData("%E2%82%AC", "€")]
    [InlineData("x+y", "x+y")]
    [InlineData("plain", "plain")]
    public void TryDecode_Valid_Decodes(string input, string expected)
    {
        Assert.True(ResourceAttributesParser.TryDecode(input, out var output));
        Assert.Equal(expected, output);
    }

    [Theory]
    [InlineData("%")]
    [InlineData("%4")]
    [InlineData("%GG")]
    [InlineData("%FF")]
    public void TryDecode_Invalid_Fails(string input) => Assert.False(ResourceAttributesParser.TryDecode(input, out _));

    [Fact]
    public void TryParse_LaterDuplicateKey_Wins()
    {
        Assert.True(ResourceAttributesParser.TryParse("k=1,k=2", out var attributes, out _));
        Assert.Equal("2", Assert.Single(attributes).Value);
    }
}
