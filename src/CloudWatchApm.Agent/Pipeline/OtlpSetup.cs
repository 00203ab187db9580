// Applies one signal's validated OTLP settings to the SDK's exporter options. The endpoint is
// always assigned in code, which switches off the SDK's own path appending, so the settings
// (see AgentSettings.ReadOtlp) have already appended v1/{signal} for a generic http endpoint.
//
// The agent also makes the exporter's HttpClient itself (gRPC and http/protobuf both send
// through it), for three reasons seen on OpenTelemetry 1.20:
// - the SDK percent-decodes the whole OTEL_EXPORTER_OTLP_HEADERS string before splitting it,
//   so a value holding an encoded ',' was cut into two headers; here headers go on the client
//   exactly as the agent parsed them;
// - the SDK's TLS client reads only the generic OTEL_EXPORTER_OTLP_CERTIFICATE/_CLIENT_* keys,
//   so a per-signal certificate was ignored; here each signal gets its own;
// - the SDK's TLS client reads the options' IConfiguration, which for ILogger export is the
//   app's own (the raw environment): a certificate path that does not exist threw from the
//   app's first logger and crashed it. Only validated paths reach this code, and a file that
//   cannot be loaded is logged and skipped.
using System.Globalization;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using CloudWatchApm.Agent.Configuration;
using CloudWatchApm.Agent.Diagnostics;
using CloudWatchApm.Agent.Shared;
using Microsoft.Extensions.Configuration;
using OpenTelemetry.Exporter;

namespace CloudWatchApm.Agent.Pipeline;

internal static class OtlpSetup
{
    internal static void Apply(OtlpExporterOptions options, OtlpSignalSettings signal)
    {
        options.Endpoint = signal.Endpoint;
        options.Protocol = signal.IsHttp ? OtlpExportProtocol.HttpProtobuf : OtlpExportProtocol.Grpc;
        options.TimeoutMilliseconds = signal.TimeoutMilliseconds;
        options.Compression = signal.Compression == "gzip" ? OtlpExportCompression.GZip : OtlpExportCompression.None;

        // Null also discards what the SDK may have read from a raw environment (the app's
        // configuration for ILogger export), which it would parse, and throw on, by itself.
        options.Headers = null;
        options.HttpClientFactory = () => CreateHttpClient(signal);
    }

    /// <summary>The exporter's client: the signal's timeout, headers and TLS files, nothing read from elsewhere.</summary>
    internal static HttpClient CreateHttpClient(OtlpSignalSettings signal)
    {
        var handler = new SocketsHttpHandler();
        if (signal.Endpoint.Scheme == Uri.UriSchemeHttps)
        {
            ConfigureTls(handler.SslOptions, signal);
        }

        var client = new HttpClient(handler, disposeHandler: true)
        {
            Timeout = TimeSpan.FromMilliseconds(signal.TimeoutMilliseconds),
        };

        foreach (var (name, value) in signal.Headers)
        {
            // Names and values were validated when the settings were read.
            if (!client.DefaultRequestHeaders.TryAddWithoutValidation(name, value))
            {
                AgentLog.Warn($"OTLP {signal.Signal.ToLowerInvariant()} exporter: header '{name}' cannot be sent on a request and is skipped");
            }
        }

        return client;
    }

    /// <summary>
    /// The configuration the SDK sees instead of the raw environment: only validated values,
    /// so the SDK never parses a variable differently from the agent (or at all when invalid).
    /// </summary>
    internal static IConfiguration BuildSdkConfiguration(AgentSettings settings, Configuration.IEnvironment environment)
    {
        var values = new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            [ConfigurationKeys.SdkDisabled] = "false",
        };

        foreach (var pair in settings.Limits.AsConfiguration())
        {
            if (pair.Value is not null)
            {
                values[pair.Key] = pair.Value;
            }
        }

        // No certificate keys: the agent's own HttpClient (CreateHttpClient) does TLS per signal.
        values[ConfigurationKeys.BlrpScheduleDelay] = settings.Blrp.ScheduleDelayMilliseconds.ToString(CultureInfo.InvariantCulture);
        values[ConfigurationKeys.BlrpExportTimeout] = settings.Blrp.ExportTimeoutMilliseconds.ToString(CultureInfo.InvariantCulture);
        values[ConfigurationKeys.BlrpMaxQueueSize] = settings.Blrp.MaxQueueSize.ToString(CultureInfo.InvariantCulture);
        values[ConfigurationKeys.BlrpMaxExportBatchSize] = settings.Blrp.MaxExportBatchSize.ToString(CultureInfo.InvariantCulture);

        // Experimental SDK switches are the user's business: pass them through untouched.
        foreach (var name in environment.Names())
        {
            if (name.StartsWith("OTEL_DOTNET_EXPERIMENTAL_", StringComparison.Ordinal))
            {
                values[name] = environment.Get(name);
            }
        }

        return new ConfigurationBuilder().AddInMemoryCollection(values).Build();
    }

    private static void ConfigureTls(SslClientAuthenticationOptions ssl, OtlpSignalSettings signal)
    {
        var prefix = $"OTLP {signal.Signal.ToLowerInvariant()} exporter: ";
        X509Certificate2Collection? authorities = null;
        if (signal.CertificatePath is { } caPath)
        {
            try
            {
                var loaded = new X509Certificate2Collection();
                loaded.ImportFromPemFile(caPath);
                authorities = loaded.Count > 0 ? loaded : null;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException)
            {
                AgentLog.Warn(prefix + "cannot load the CA certificate '" + caPath + "' (" + ex.Message + "); the system's trust store is used");
            }
        }

        if (signal.ClientCertificatePath is { } certPath && signal.ClientKeyPath is { } keyPath)
        {
            try
            {
                ssl.ClientCertificates = [X509Certificate2.CreateFromPemFile(certPath, keyPath)];
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException or ArgumentException)
            {
                AgentLog.Warn(prefix + "cannot load the client certificate '" + certPath + "' with key '" + keyPath + "' (" + ex.Message + "); no client certificate is sent");
            }
        }

        if (authorities is null)
        {
            return;
        }

        ssl.RemoteCertificateValidationCallback = (_, certificate, presented, errors) =>
        {
            if (errors == SslPolicyErrors.None)
            {
                return true;
            }

            // A name mismatch is never excused by a private CA.
            if (certificate is null || (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) != 0)
            {
                return false;
            }

            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.AddRange(authorities);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            if (presented is not null)
            {
                // Intermediates the collector sent along with its certificate.
                foreach (var element in presented.ChainElements)
                {
                    chain.ChainPolicy.ExtraStore.Add(element.Certificate);
                }
            }

            using var leaf = new X509Certificate2(certificate);
            return chain.Build(leaf);
        };
    }
}
