// A second SigV4 implementation, written in the test from the published algorithm and sharing
// no code with the agent's signer, for the fake CloudWatch endpoint: it rebuilds the canonical
// request from what actually arrived on the wire (method, raw path and query, the headers the
// Authorization header names, the body bytes) and recomputes the signature. Deliberately
// different in shape: one pass over a sorted list, HMAC objects instead of one-shot helpers.
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace CloudWatchApm.Agent.Tests.Aws.SigV4;

internal sealed class IndependentSigV4Verifier(string accessKey, string secretKey, string region, string service)
{
    internal string? LastFailure { get; private set; }

    internal bool Verify(LocalRequest request)
    {
        LastFailure = Check(request);
        return LastFailure is null;
    }

    private string? Check(LocalRequest request)
    {
        var authorization = request.Header("Authorization");
        var amzDate = request.Header("X-Amz-Date");
        if (authorization is null || amzDate is null)
        {
            return "missing Authorization or X-Amz-Date";
        }

        const string prefix = "AWS4-HMAC-SHA256 ";
        if (!authorization.StartsWith(prefix, StringComparison.Ordinal))
        {
            return "not AWS4-HMAC-SHA256";
        }

        var fields = authorization[prefix.Length..].Split(',').Select(f => f.Trim().Split('=', 2)).ToDictionary(f => f[0], f => f[1], StringComparer.Ordinal);
        var credential = fields["Credential"].Split('/');
        var signedHeaders = fields["SignedHeaders"].Split(';');
        var day = amzDate[..8];
        if (credential.Length != 5 || credential[0] != accessKey || credential[1] != day || credential[2] != region || credential[3] != service || credential[4] != "aws4_request")
        {
            return "wrong credential scope " + fields["Credential"];
        }

        if (!signedHeaders.Contains("host") || !signedHeaders.Contains("x-amz-date"))
        {
            return "host and x-amz-date must be signed";
        }

        var when = DateTime.ParseExact(amzDate, "yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal);
        if (Math.Abs((DateTime.UtcNow - when).TotalMinutes) > 15)
        {
            return "request time too far from now";
        }

        var canonical = new StringBuilder();
        canonical.Append(request.Method).Append('\n');
        canonical.Append(CanonicalPath(request.Path)).Append('\n');
        canonical.Append(CanonicalQuery(request.Query)).Append('\n');
        foreach (var name in signedHeaders)
        {
            var values = request.HeaderList.Where(h => h.Key.Equals(name, StringComparison.OrdinalIgnoreCase)).Select(h => Squeeze(h.Value)).ToList();
            if (values.Count == 0)
            {
                return "signed header " + name + " did not arrive";
            }

            canonical.Append(name).Append(':').Append(string.Join(",", values)).Append('\n');
        }

        canonical.Append('\n').Append(string.Join(";", signedHeaders)).Append('\n');
        canonical.Append(HexOf(SHA256.HashData(request.Body)));

        var scope = string.Join("/", day, region, service, "aws4_request");
        var toSign = "AWS4-HMAC-SHA256\n" + amzDate + "\n" + scope + "\n" + HexOf(SHA256.HashData(Encoding.UTF8.GetBytes(canonical.ToString())));
        var key = Encoding.UTF8.GetBytes("AWS4" + secretKey);
        foreach (var part in new[] { day, region, service, "aws4_request" })
        {
            using var hmac = new HMACSHA256(key);
            key = hmac.ComputeHash(Encoding.UTF8.GetBytes(part));
        }

        using var final = new HMACSHA256(key);
        var expected = HexOf(final.ComputeHash(Encoding.UTF8.GetBytes(toSign)));
        return expected == fields["Signature"] ? null : "signature mismatch; canonical request was:\n" + canonical;
    }

    private static string CanonicalPath(string rawPath)
    {
        var parts = rawPath.Split('/').Where(p => p.Length > 0).Select(Encode);
        var joined = "/" + string.Join("/", parts);
        return rawPath.EndsWith('/') && joined != "/" ? joined + "/" : joined;
    }

    private static string CanonicalQuery(string rawQuery)
        => string.Join("&", rawQuery.Split('&', StringSplitOptions.RemoveEmptyEntries)
            .Select(p => p.Split('=', 2))
            .Select(p => (Key: Encode(Uri.UnescapeDataString(p[0])), Value: Encode(Uri.UnescapeDataString(p.Length > 1 ? p[1] : string.Empty))))
            .OrderBy(p => p.Key, StringComparer.Ordinal).ThenBy(p => p.Value, StringComparer.Ordinal)
            .Select(p => p.Key + "=" + p.Value));

    private static string Encode(string value)
    {
        var sb = new StringBuilder();
        foreach (var b in Encoding.UTF8.GetBytes(value))
        {
            var c = (char)b;
            if (c is (>= 'A' and <= 'Z') or (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-' or '_' or '.' or '~')
            {
                sb.Append(c);
            }
            else
            {
                sb.Append('%').Append(b.ToString("X2", CultureInfo.InvariantCulture));
            }
        }

        return sb.ToString();
    }

    private static string Squeeze(string value) => string.Join(" ", value.Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries));

    private static string HexOf(byte[] bytes) => string.Concat(bytes.Select(b => b.ToString("x2", CultureInfo.InvariantCulture)));
}
