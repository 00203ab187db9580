// The OTLP settings that can break every export if taken as given: header names and values
// that HTTP does not allow (HttpClient then fails each request), headers the exporter sets
// itself, and TLS files that are missing, are not PEM, or are half of a client certificate.
// Each is found here, at startup and in `cwapm doctor`, named, and left out, so the rest of
// the configuration still works. Only BCL types: this file is also compiled into the CLI.
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace CloudWatchApm.Agent.Configuration;

internal static class OtlpExporterChecks
{
    /// <summary>Headers the exporter or HTTP itself controls; a user value would be dropped or break the request.</summary>
    private static readonly HashSet<string> Reserved = new(StringComparer.OrdinalIgnoreCase)
    {
        "content-length", "content-type", "content-encoding", "transfer-encoding", "host", "te", "connection", "upgrade", "keep-alive",
        "proxy-connection", "trailer",
    };

    /// <summary>
    /// Parses OTEL_EXPORTER_OTLP_[SIGNAL_]HEADERS: percent-decoded name=value pairs. A decoding
    /// error discards the variable; an unusable header is skipped with a problem that names the
    /// header but never shows a value (values are secrets).
    /// </summary>
    internal static List<KeyValuePair<string, string>> ReadHeaders(SettingsReader r, string key)
    {
        var headers = new List<KeyValuePair<string, string>>();
        var raw = r.GetString(key);
        if (raw is null)
        {
            return headers;
        }

        if (!ResourceAttributesParser.TryParse(raw, out var parsed, out var error))
        {
            r.Problem($"{key} is ignored: {error} (expected name1=value1,name2=value2, percent-encoded)");
            return headers;
        }

        foreach (var (name, value) in parsed)
        {
            if (!IsToken(name))
            {
                r.Problem($"{key}: '{Printable(name)}' is not a valid HTTP header name (letters, digits and !#$%&'*+-.^_`|~ only); that header is not sent");
            }
            else if (Reserved.Contains(name) || name.StartsWith("grpc-", StringComparison.OrdinalIgnoreCase))
            {
                r.Problem($"{key}: header '{name}' is set by the exporter itself; the value given is not sent");
            }
            else if (!IsFieldValue(value))
            {
                r.Problem($"{key}: the value of header '{name}' holds characters HTTP does not allow (after percent-decoding only printable ASCII may remain); that header is not sent");
            }
            else
            {
                // HTTP header names are case-insensitive: a later entry replaces an earlier one.
                headers.RemoveAll(h => string.Equals(h.Key, name, StringComparison.OrdinalIgnoreCase));
                headers.Add(new(name, value));
            }
        }

        return headers;
    }

    /// <summary>The CA file, or null with a problem when it is missing or holds no PEM certificate.</summary>
    internal static string? CertificateAuthority(SettingsReader r, string key, Dictionary<string, string?> verdicts)
    {
        var path = r.GetString(key);
        if (path is null || !Exists(r, key, path, "the system's trust store is used"))
        {
            return null;
        }

        var error = Cached(verdicts, "ca:" + path, () =>
        {
            var collection = new X509Certificate2Collection();
            collection.ImportFromPemFile(path);
            return collection.Count == 0 ? "it holds no PEM certificate" : null;
        });
        if (error is not null)
        {
            r.Problem($"{key} names '{path}', which cannot be used as a CA certificate ({error}); the system's trust store is used");
            return null;
        }

        return path;
    }

    /// <summary>The client certificate and key for mTLS: both or neither, and they must load as a pair.</summary>
    internal static (string? Certificate, string? Key) ClientCertificate(SettingsReader r, string certificateKey, string keyKey, Dictionary<string, string?> verdicts)
    {
        var certificate = r.GetString(certificateKey);
        var key = r.GetString(keyKey);
        if (certificate is null && key is null)
        {
            return (null, null);
        }

        if (certificate is null || key is null)
        {
            r.Problem(certificate is null
                ? $"{keyKey} is set but {certificateKey} is not: mTLS needs both; no client certificate is sent"
                : $"{certificateKey} is set but {keyKey} is not: mTLS needs both; no client certificate is sent");
            return (null, null);
        }

        const string Consequence = "no client certificate is sent";
        if (!Exists(r, certificateKey, certificate, Consequence) | !Exists(r, keyKey, key, Consequence))
        {
            return (null, null);
        }

        var error = Cached(verdicts, "client:" + certificate + "\n" + key, () =>
        {
            using var loaded = X509Certificate2.CreateFromPemFile(certificate, key);
            return loaded.HasPrivateKey ? null : "the key does not belong to the certificate";
        });
        if (error is not null)
        {
            r.Problem($"{certificateKey}='{certificate}' and {keyKey}='{key}' do not load as a PEM certificate and its private key ({error}); {Consequence}");
            return (null, null);
        }

        return (certificate, key);
    }

    private static bool Exists(SettingsReader r, string key, string path, string consequence)
    {
        if (File.Exists(path))
        {
            return true;
        }

        r.Problem($"{key} names '{path}', which does not exist or is not a file; {consequence}");
        return false;
    }

    /// <summary>The generic variable serves three signals: load each file once.</summary>
    private static string? Cached(Dictionary<string, string?> verdicts, string id, Func<string?> check)
    {
        if (verdicts.TryGetValue(id, out var known))
        {
            return known;
        }

        string? error;
        try
        {
            error = check();
        }
        catch (Exception ex) when (ex is CryptographicException or IOException or UnauthorizedAccessException or ArgumentException)
        {
            error = ex.Message.TrimEnd('.');
        }

        verdicts[id] = error;
        return error;
    }

    private static bool IsToken(string name)
    {
        if (name.Length == 0)
        {
            return false;
        }

        foreach (var c in name)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || "!#$%&'*+-.^_`|~".Contains(c, StringComparison.Ordinal)))
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsFieldValue(string value)
    {
        foreach (var c in value)
        {
            if (c != '\t' && (c < 0x20 || c > 0x7E))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>A header name for a log line: control characters and very long names cannot mangle the log.</summary>
    private static string Printable(string text)
    {
        var chars = text.Length > 60 ? text[..60] + "..." : text;
        return string.Concat(chars.Select(c => char.IsControl(c) ? '?' : c));
    }
}
