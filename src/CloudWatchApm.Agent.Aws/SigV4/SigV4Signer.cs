// AWS Signature Version 4 (AWS4-HMAC-SHA256), written from the published algorithm:
//   canonical request = method \n canonical URI \n canonical query \n canonical headers \n
//                       signed headers \n hex(sha256(payload))
//   string to sign    = "AWS4-HMAC-SHA256" \n amz-date \n scope \n hex(sha256(canonical request))
//   signing key       = HMAC chain "AWS4"+secret -> date -> region -> service -> "aws4_request"
// The path is taken as it appears on the wire and URI-encoded once more per segment, which is
// the "encode twice" rule every service but S3 uses; dot segments and empty segments are
// normalised away. Checked against AWS's SigV4 test-suite vectors in the unit tests.
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace CloudWatchApm.Agent.Aws.SigV4;

internal readonly record struct AwsCredentials(string AccessKeyId, string SecretAccessKey, string? SessionToken);

/// <summary>What is signed: the request as it will be sent.</summary>
/// <param name="Path">The path as on the wire (already percent-encoded where the client encodes).</param>
/// <param name="Query">Decoded query parameters; empty when there is no query.</param>
/// <param name="Headers">Every header to sign, including host and x-amz-date (and x-amz-security-token when used).</param>
internal sealed record SigV4Request(
    string Method,
    string Path,
    IReadOnlyList<KeyValuePair<string, string>> Query,
    IReadOnlyList<KeyValuePair<string, string>> Headers,
    string PayloadSha256Hex);

internal sealed record SigV4Signature(string CanonicalRequest, string StringToSign, string SignedHeaders, string Signature, string Authorization);

internal static class SigV4Signer
{
    internal const string Algorithm = "AWS4-HMAC-SHA256";
    internal const string EmptyPayloadSha256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    /// <summary>"20150830T123600Z".</summary>
    internal static string AmzDate(DateTimeOffset time) => time.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);

    internal static SigV4Signature Sign(SigV4Request request, in AwsCredentials credentials, string region, string service, DateTimeOffset time)
        => Sign(request, credentials, region, service, time, SigningKey(credentials.SecretAccessKey, DateStamp(time), region, service));

    internal static SigV4Signature Sign(SigV4Request request, in AwsCredentials credentials, string region, string service, DateTimeOffset time, byte[] signingKey)
    {
        var (canonicalHeaders, signedHeaders) = CanonicalHeaders(request.Headers);
        var canonicalRequest = string.Join(
            '\n',
            request.Method.ToUpperInvariant(),
            CanonicalUri(request.Path),
            CanonicalQuery(request.Query),
            canonicalHeaders,
            signedHeaders,
            request.PayloadSha256Hex);

        var scope = DateStamp(time) + "/" + region + "/" + service + "/aws4_request";
        var stringToSign = Algorithm + "\n" + AmzDate(time) + "\n" + scope + "\n" + Sha256Hex(Encoding.UTF8.GetBytes(canonicalRequest));
        var signature = Hex(HMACSHA256.HashData(signingKey, Encoding.UTF8.GetBytes(stringToSign)));
        var authorization = Algorithm + " Credential=" + credentials.AccessKeyId + "/" + scope + ", SignedHeaders=" + signedHeaders + ", Signature=" + signature;
        return new SigV4Signature(canonicalRequest, stringToSign, signedHeaders, signature, authorization);
    }

    internal static string DateStamp(DateTimeOffset time) => time.UtcDateTime.ToString("yyyyMMdd", CultureInfo.InvariantCulture);

    internal static byte[] SigningKey(string secretAccessKey, string dateStamp, string region, string service)
    {
        var key = HMACSHA256.HashData(Encoding.UTF8.GetBytes("AWS4" + secretAccessKey), Encoding.UTF8.GetBytes(dateStamp));
        key = HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(region));
        key = HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(service));
        return HMACSHA256.HashData(key, "aws4_request"u8);
    }

    internal static string Sha256Hex(ReadOnlySpan<byte> data) => Hex(SHA256.HashData(data));

    // Convert.ToHexStringLower is .NET 9+; the agent targets .NET 8.
    internal static string Hex(byte[] bytes) => Convert.ToHexString(bytes).ToLowerInvariant();

    /// <summary>Each segment URI-encoded; "." and ".." resolved and empty segments dropped.</summary>
    internal static string CanonicalUri(string path)
    {
        if (string.IsNullOrEmpty(path) || path == "/")
        {
            return "/";
        }

        var segments = new List<string>();
        foreach (var segment in path.Split('/'))
        {
            if (segment.Length == 0 || segment == ".")
            {
                continue;
            }

            if (segment == "..")
            {
                if (segments.Count > 0)
                {
                    segments.RemoveAt(segments.Count - 1);
                }

                continue;
            }

            segments.Add(UriEncode(segment));
        }

        var sb = new StringBuilder("/");
        sb.AppendJoin('/', segments);
        if (segments.Count > 0 && path.EndsWith('/'))
        {
            sb.Append('/');
        }

        return sb.ToString();
    }

    internal static string CanonicalQuery(IReadOnlyList<KeyValuePair<string, string>> query)
    {
        if (query.Count == 0)
        {
            return string.Empty;
        }

        var pairs = new List<(string Key, string Value)>(query.Count);
        foreach (var pair in query)
        {
            pairs.Add((UriEncode(pair.Key), UriEncode(pair.Value)));
        }

        pairs.Sort((a, b) =>
        {
            var byKey = string.CompareOrdinal(a.Key, b.Key);
            return byKey != 0 ? byKey : string.CompareOrdinal(a.Value, b.Value);
        });

        var sb = new StringBuilder();
        foreach (var (key, value) in pairs)
        {
            if (sb.Length > 0)
            {
                sb.Append('&');
            }

            sb.Append(key).Append('=').Append(value);
        }

        return sb.ToString();
    }

    /// <summary>Lower-case names sorted; values trimmed with inner runs of spaces collapsed; repeated names joined by commas.</summary>
    internal static (string Canonical, string Signed) CanonicalHeaders(IReadOnlyList<KeyValuePair<string, string>> headers)
    {
        var byName = new SortedDictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var header in headers)
        {
            var name = header.Key.Trim().ToLowerInvariant();
            if (!byName.TryGetValue(name, out var values))
            {
                values = [];
                byName[name] = values;
            }

            values.Add(CollapseSpaces(header.Value));
        }

        var canonical = new StringBuilder();
        foreach (var (name, values) in byName)
        {
            canonical.Append(name).Append(':').AppendJoin(',', values).Append('\n');
        }

        return (canonical.ToString(), string.Join(';', byName.Keys));
    }

    /// <summary>RFC 3986 percent-encoding of UTF-8 bytes; only A-Z a-z 0-9 - . _ ~ stay as they are.</summary>
    internal static string UriEncode(string value)
    {
        var sb = new StringBuilder(value.Length);
        Span<byte> buffer = stackalloc byte[4];
        foreach (var rune in value.EnumerateRunes())
        {
            if (rune.IsAscii && IsUnreserved((char)rune.Value))
            {
                sb.Append((char)rune.Value);
                continue;
            }

            var written = rune.EncodeToUtf8(buffer);
            for (var i = 0; i < written; i++)
            {
                sb.Append('%').Append(buffer[i].ToString("X2", CultureInfo.InvariantCulture));
            }
        }

        return sb.ToString();
    }

    private static bool IsUnreserved(char c) => char.IsAsciiLetterOrDigit(c) || c is '-' or '.' or '_' or '~';

    private static string CollapseSpaces(string value)
    {
        var trimmed = value.Trim();
        if (!trimmed.Contains("  ", StringComparison.Ordinal))
        {
            return trimmed;
        }

        var sb = new StringBuilder(trimmed.Length);
        var previousSpace = false;
        foreach (var c in trimmed)
        {
            if (c == ' ')
            {
                if (!previousSpace)
                {
                    sb.Append(c);
                }

                previousSpace = true;
            }
            else
            {
                sb.Append(c);
                previousSpace = false;
            }
        }

        return sb.ToString();
    }
}
