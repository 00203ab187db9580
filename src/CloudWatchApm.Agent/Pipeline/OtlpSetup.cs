// Applies one signal's validated OTLP settings to the SDK's exporter options. The endpoint is
// always assigned in code, which switches off the SDK's own path appending, so the settings
// (see AgentSettings.ReadOtlp) have already appended v1/{signal} for a generic http endpoint.
using System.Globalization;
using CloudWatchApm.Agent.Configuration;
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
        options.Headers = signal.Headers.Count == 0
            ? null
            : string.Join(",", signal.Headers.Select(h => h.Key + "=" + Uri.EscapeDataString(h.Value)));
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

        foreach (var signal in new[] { settings.Traces, settings.Metrics, settings.Logs })
        {
            // The SDK loads certificates for TLS and mTLS itself (gRPC included) from these keys.
            Put(values, ConfigurationKeys.OtlpSignalKey(signal.Signal, "CERTIFICATE"), signal.CertificatePath);
            Put(values, ConfigurationKeys.OtlpSignalKey(signal.Signal, "CLIENT_KEY"), signal.ClientKeyPath);
            Put(values, ConfigurationKeys.OtlpSignalKey(signal.Signal, "CLIENT_CERTIFICATE"), signal.ClientCertificatePath);
        }

        Put(values, ConfigurationKeys.OtlpCertificate, settings.Traces.CertificatePath);
        Put(values, ConfigurationKeys.OtlpClientKey, settings.Traces.ClientKeyPath);
        Put(values, ConfigurationKeys.OtlpClientCertificate, settings.Traces.ClientCertificatePath);
        values[ConfigurationKeys.BlrpScheduleDelay] = settings.Blrp.ScheduleDelayMilliseconds.ToString(CultureInfo.InvariantCulture);

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

    private static void Put(Dictionary<string, string?> values, string key, string? value)
    {
        if (value is not null)
        {
            values[key] = value;
        }
    }
}
