// Signs each OTLP/HTTP export request for CloudWatch's own OTLP endpoints. It sits in the
// exporter's HttpClient (OtlpExporterOptions.HttpClientFactory), so it sees the request exactly
// as it will be sent: the body is buffered once to hash it (and sent from that buffer, with a
// Content-Length), and every header the exporter set (content type, encoding, the
// x-aws-log-* headers from OTEL_EXPORTER_OTLP_LOGS_HEADERS) is signed. All state is per request:
// one handler serves the exporter's concurrent sends.
using System.Net.Http.Headers;

namespace CloudWatchApm.Agent.Aws.SigV4;

internal sealed class SigV4Handler : DelegatingHandler
{
    // Headers that proxies or the HTTP stack may add, change or drop after signing.
    private static readonly HashSet<string> Unsigned = new(StringComparer.OrdinalIgnoreCase)
    {
        "authorization", "user-agent", "expect", "connection", "transfer-encoding", "content-length",
        "x-amzn-trace-id", "traceparent", "tracestate", "baggage",
    };

    private readonly string _service;
    private readonly string _region;
    private readonly IAwsCredentialSource _credentials;
    private readonly TimeProvider _clock;
    private readonly Uri? _redirect;
    private readonly object _keyGate = new();
    private (string Secret, string Date, byte[] Key)? _signingKey;

    /// <param name="redirect">Tests only: where to send the request after signing it for its real host.</param>
    internal SigV4Handler(string service, string region, IAwsCredentialSource credentials, TimeProvider? clock = null, Uri? redirect = null)
    {
        _service = service;
        _region = region;
        _credentials = credentials;
        _clock = clock ?? TimeProvider.System;
        _redirect = redirect;
    }

    protected override HttpResponseMessage Send(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var body = ReadBody(request, cancellationToken);
        Sign(request, body, _credentials.Get(cancellationToken));
        return base.Send(request, cancellationToken);
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var body = request.Content is null ? [] : await request.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        ReplaceContent(request, body);
        Sign(request, body, await _credentials.GetAsync(cancellationToken).ConfigureAwait(false));
        return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
    }

    private static byte[] ReadBody(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (request.Content is null)
        {
            return [];
        }

        using var buffer = new MemoryStream();
        request.Content.CopyTo(buffer, null, cancellationToken);
        var body = buffer.ToArray();
        ReplaceContent(request, body);
        return body;
    }

    private static void ReplaceContent(HttpRequestMessage request, byte[] body)
    {
        if (request.Content is null)
        {
            return;
        }

        var original = request.Content;
        var content = new ByteArrayContent(body);
        foreach (var header in original.Headers)
        {
            if (!string.Equals(header.Key, "Content-Length", StringComparison.OrdinalIgnoreCase))
            {
                content.Headers.TryAddWithoutValidation(header.Key, header.Value);
            }
        }

        request.Content = content;
        original.Dispose();
    }

    private void Sign(HttpRequestMessage request, byte[] body, AwsCredentials credentials)
    {
        var uri = request.RequestUri ?? throw new InvalidOperationException("the export request has no URI");
        var now = _clock.GetUtcNow();
        var host = uri.IsDefaultPort ? uri.IdnHost : uri.IdnHost + ":" + uri.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);

        request.Headers.Remove("Authorization");
        request.Headers.Remove("X-Amz-Date");
        request.Headers.Remove("X-Amz-Security-Token");
        request.Headers.Host = host;
        request.Headers.TryAddWithoutValidation("X-Amz-Date", SigV4Signer.AmzDate(now));
        if (credentials.SessionToken is not null)
        {
            request.Headers.TryAddWithoutValidation("X-Amz-Security-Token", credentials.SessionToken);
        }

        var headers = new List<KeyValuePair<string, string>>();
        Collect(request.Headers, headers);
        if (request.Content is not null)
        {
            Collect(request.Content.Headers, headers);
        }

        var signed = new SigV4Request(request.Method.Method, uri.AbsolutePath, Query(uri), headers, SigV4Signer.Sha256Hex(body));
        var signature = SigV4Signer.Sign(signed, credentials, _region, _service, now, SigningKey(credentials.SecretAccessKey, now));
        request.Headers.TryAddWithoutValidation("Authorization", signature.Authorization);

        if (_redirect is not null)
        {
            // The Host header stays the real one, so the signature still describes this request.
            request.RequestUri = new Uri(_redirect, uri.PathAndQuery);
        }
    }

    private byte[] SigningKey(string secret, DateTimeOffset now)
    {
        // The key changes once a day (or with rotated credentials): derive it once, not per export.
        var date = SigV4Signer.DateStamp(now);
        lock (_keyGate)
        {
            if (_signingKey is { } cached && cached.Date == date && cached.Secret == secret)
            {
                return cached.Key;
            }

            var key = SigV4Signer.SigningKey(secret, date, _region, _service);
            _signingKey = (secret, date, key);
            return key;
        }
    }

    private static void Collect(HttpHeaders source, List<KeyValuePair<string, string>> target)
    {
        foreach (var header in source.NonValidated)
        {
            if (Unsigned.Contains(header.Key))
            {
                continue;
            }

            target.Add(new(header.Key, string.Join(",", header.Value)));
        }
    }

    private static List<KeyValuePair<string, string>> Query(Uri uri)
    {
        var result = new List<KeyValuePair<string, string>>();
        var query = uri.Query.TrimStart('?');
        if (query.Length == 0)
        {
            return result;
        }

        foreach (var part in query.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = part.IndexOf('=', StringComparison.Ordinal);
            var key = eq < 0 ? part : part[..eq];
            var value = eq < 0 ? string.Empty : part[(eq + 1)..];
            result.Add(new(Uri.UnescapeDataString(key), Uri.UnescapeDataString(value)));
        }

        return result;
    }
}
