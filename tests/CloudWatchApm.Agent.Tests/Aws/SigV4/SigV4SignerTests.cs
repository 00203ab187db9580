// The signer against AWS's published SigV4 test suite: credentials AKIDEXAMPLE, region
// us-east-1, service "service", 2015-08-30T12:36:00Z, host example.amazonaws.com. Each case is
// the suite's request (method, path, query, headers, body) and the signature it must produce.
using CloudWatchApm.Agent.Aws.SigV4;
using Xunit;

namespace CloudWatchApm.Agent.Tests.Aws.SigV4;

public sealed class SigV4SignerTests
{
    private const string SessionToken = "AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxfpSPfIeoIYRqTflfKD8YUuwthAx7mSEI/qkPpKPi/kMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQDYwT7WZ0wq5VSXDvp75YU9HFvlRd8Tx6q6fE8YQcHNVXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBAz+scqKmlzm8FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/oLxBA==";
    private const string Unreserved = "-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

    private static readonly DateTimeOffset Time = new(2015, 8, 30, 12, 36, 0, TimeSpan.Zero);
    private static readonly AwsCredentials Credentials = new("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", null);

    /// <summary>name, method, path, query (key=value pairs, '&amp;'-separated, unencoded), extra headers ("name:value", '|'-separated), body, signed headers, signature.</summary>
    public static TheoryData<string, string, string, string, string, string, string, string> Suite => new()
    {
        { "get-vanilla", "GET", "/", "", "", "", "host;x-amz-date", "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31" },
        { "get-vanilla-empty-query-key", "GET", "/", "Param1=value1", "", "", "host;x-amz-date", "a67d582fa61cc504c4bae71f336f98b97f1ea3c7a6bfe1b6e45aec72011b9aeb" },
        { "get-vanilla-query-order-key-case", "GET", "/", "Param2=value2&Param1=value1", "", "", "host;x-amz-date", "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500" },
        { "get-vanilla-query-unreserved", "GET", "/", Unreserved + "=" + Unreserved, "", "", "host;x-amz-date", "9c3e54bfcdf0b19771a7f523ee5669cdf59bc7cc0884027167c21bb143a40197" },
        { "get-vanilla-utf8-query", "GET", "/", "\u1234=bar", "", "", "host;x-amz-date", "2cdec8eed098649ff3a119c94853b13c643bcf08f8b0a1d91e12c9027818dd04" },
        { "get-unreserved", "GET", "/" + Unreserved, "", "", "", "host;x-amz-date", "07ef7494c76fa4850883e2b006601f940f8a34d404d0cfa977f52a65bbf5f24f" },
        { "get-utf8", "GET", "/\u1234", "", "", "", "host;x-amz-date", "8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85" },
        { "get-header-key-duplicate", "GET", "/", "", "My-Header1:value2|My-Header1:value2|My-Header1:value1", "", "host;my-header1;x-amz-date", "c9d5ea9f3f72853aea855b47ea873832890dbdd183b4468f858259531a5138ea" },
        { "get-header-value-multiline", "GET", "/", "", "My-Header1:value1,value2,value3", "", "host;my-header1;x-amz-date", "ba17b383a53190154eb5fa66a1b836cc297cc0a3d70a5d00705980573d8ff790" },
        { "get-header-value-order", "GET", "/", "", "My-Header1:value4|My-Header1:value1|My-Header1:value3|My-Header1:value2", "", "host;my-header1;x-amz-date", "08c7e5a9acfcfeb3ab6b2185e75ce8b1deb5e634ec47601a50643f830c755c01" },
        { "get-header-value-trim", "GET", "/", "", "My-Header1: value1|My-Header2: \"a   b   c\"", "", "host;my-header1;my-header2;x-amz-date", "acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736" },
        { "post-vanilla", "POST", "/", "", "", "", "host;x-amz-date", "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b" },
        { "post-header-key-sort", "POST", "/", "", "My-Header1:value1", "", "host;my-header1;x-amz-date", "c5410059b04c1ee005303aed430f6e6645f61f4dc9e1461ec8f8916fdf18852c" },
        { "post-header-value-case", "POST", "/", "", "My-Header1:VALUE1", "", "host;my-header1;x-amz-date", "cdbc9802e29d2942e5e10b5bccfdd67c5f22c7c4e8ae67b53629efa58b974b7d" },
        { "post-sts-header-before", "POST", "/", "", "X-Amz-Security-Token:" + SessionToken, "", "host;x-amz-date;x-amz-security-token", "85d96828115b5dc0cfc3bd16ad9e210dd772bbebba041836c64533a82be05ead" },
        { "post-vanilla-query", "POST", "/", "Param1=value1", "", "", "host;x-amz-date", "28038455d6de14eafc1f9222cf5aa6f1a96197d7deb8263271d420d138af7f11" },
        { "post-vanilla-query-nonunreserved", "POST", "/", "@#$%^=&+=/,?><`\";:\\|][{}", "", "", "host;x-amz-date", "66c82657c86e26fb25238d0e69f011edc4c6df5ae71119d7cb98ed9b87393c1e" },
        { "post-vanilla-query-space", "POST", "/", "p=", "", "", "host;x-amz-date", "e71688addb58a26418614085fb730ba3faa623b461c17f48f2fbdb9361b94a9b" },
        { "post-x-www-form-urlencoded", "POST", "/", "", "Content-Type:application/x-www-form-urlencoded", "Param1=value1", "content-type;host;x-amz-date", "ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a" },
        { "post-x-www-form-urlencoded-parameters", "POST", "/", "", "Content-Type:application/x-www-form-urlencoded; charset=utf8", "Param1=value1", "content-type;host;x-amz-date", "1a72ec8f64bd914b0e42e42607c7fbce7fb2c7465f63e3092b3b0d39fa77a6fe" },
    };

    [Theory]
    [MemberData(nameof(Suite))]
    public void SigV4Signer_TestSuiteRequest_ProducesPublishedSignature(string name, string method, string path, string query, string headers, string body, string signedHeaders, string signature)
    {
        var result = SigV4Signer.Sign(Request(method, path, query, headers, body), Credentials, "us-east-1", "service", Time);

        Assert.True(signature == result.Signature, name + ": expected " + signature + " but got " + result.Signature + "\n" + result.CanonicalRequest);
        Assert.Equal(signedHeaders, result.SignedHeaders);
        Assert.Equal($"AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders={signedHeaders}, Signature={signature}", result.Authorization);
    }

    [Fact]
    public void SigV4Signer_GetVanilla_CanonicalRequestAndStringToSignMatchTheSuite()
    {
        var result = SigV4Signer.Sign(Request("GET", "/", "", "", ""), Credentials, "us-east-1", "service", Time);

        Assert.Equal("GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", result.CanonicalRequest);
        Assert.Equal("AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\nbb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63", result.StringToSign);
    }

    [Theory]
    [InlineData("/example/..", "/")]
    [InlineData("/example1/example2/../..", "/")]
    [InlineData("//", "/")]
    [InlineData("/./", "/")]
    [InlineData("/./example", "/example")]
    [InlineData("//example//", "/example/")]
    [InlineData("/example space/", "/example%20space/")]
    [InlineData("/v1/traces", "/v1/traces")]
    [InlineData("/documents%20and%20settings/", "/documents%2520and%2520settings/")]
    public void SigV4Signer_CanonicalUri_NormalizesAndEncodesEachSegment(string path, string expected)
        => Assert.Equal(expected, SigV4Signer.CanonicalUri(path));

    [Fact]
    public void SigV4Signer_SigningKey_IsTheDocumentedDerivation()
    {
        // The derived key of AWS's documented example (secret of the suite, 20150830, us-east-1, iam).
        var key = SigV4Signer.SigningKey("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "20150830", "us-east-1", "iam");
        Assert.Equal("c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9", SigV4Signer.Hex(key));
    }

    private static SigV4Request Request(string method, string path, string query, string headers, string body)
    {
        var headerList = new List<KeyValuePair<string, string>>
        {
            new("Host", "example.amazonaws.com"),
            new("X-Amz-Date", "20150830T123600Z"),
        };

        foreach (var header in headers.Split('|', StringSplitOptions.RemoveEmptyEntries))
        {
            var colon = header.IndexOf(':', StringComparison.Ordinal);
            headerList.Add(new(header[..colon], header[(colon + 1)..]));
        }

        var queryList = new List<KeyValuePair<string, string>>();
        foreach (var pair in SplitQuery(query))
        {
            var eq = pair.IndexOf('=', StringComparison.Ordinal);
            queryList.Add(eq < 0 ? new(pair, string.Empty) : new(pair[..eq], pair[(eq + 1)..]));
        }

        return new SigV4Request(method, path, queryList, headerList, SigV4Signer.Sha256Hex(System.Text.Encoding.UTF8.GetBytes(body)));
    }

    // '&' separates pairs, except inside the one nonunreserved case where '&' never appears in a value.
    private static string[] SplitQuery(string query) => query.Length == 0 ? [] : query.Split('&');
}
