// Turns an OTLP exporter pointed at a CloudWatch OTLP endpoint into a signed one: no collector,
// no extra switch. The protocol is forced to http/protobuf (the only one those endpoints speak)
// and every request goes through SigV4Handler with credentials from AWSSDK.Core's default chain.
using System.Net;
using OpenTelemetry.Exporter;

namespace CloudWatchApm.Agent.Aws.SigV4;

internal static class SigV4Export
{
    internal const string LogGroupHeader = "x-aws-log-group";
    internal const string LogStreamHeader = "x-aws-log-stream";

    /// <summary>Tests only: send signed requests here instead of the real host (the Host header stays the real one).</summary>
    internal static Uri? RedirectForTests { get; set; }

    /// <summary>Tests only: credentials and clock instead of the default chain and the system clock.</summary>
    internal static IAwsCredentialSource? CredentialsForTests { get; set; }

    internal static TimeProvider? ClockForTests { get; set; }

    /// <summary>
    /// Configures <paramref name="options"/> for signed export when <paramref name="endpoint"/> is a
    /// CloudWatch OTLP endpoint of this signal; returns a one-line description, or null when it is not.
    /// </summary>
    internal static string? TryConfigure(
        OtlpExporterOptions options,
        string signal,
        Uri endpoint,
        IReadOnlyList<KeyValuePair<string, string>> headers,
        int timeoutMilliseconds,
        Action<string> warn)
    {
        if (!CloudWatchOtlpEndpoint.TryParse(endpoint, signal, out var target))
        {
            return null;
        }

        if (signal == "LOGS")
        {
            foreach (var required in new[] { LogGroupHeader, LogStreamHeader })
            {
                if (!headers.Any(h => string.Equals(h.Key, required, StringComparison.OrdinalIgnoreCase) && h.Value.Length > 0))
                {
                    warn($"logs go to {endpoint} without the '{required}' header: CloudWatch Logs rejects every export. " +
                        $"Set OTEL_EXPORTER_OTLP_LOGS_HEADERS={LogGroupHeader}=<log group>,{LogStreamHeader}=<log stream> (the group and stream must exist).");
                }
            }
        }

        var credentials = CredentialsForTests ?? new DefaultChainCredentialSource(message => warn("SigV4 " + target.Service + ": " + message));
        var clock = ClockForTests;
        var redirect = RedirectForTests;
        options.Protocol = OtlpExportProtocol.HttpProtobuf;
        options.Endpoint = endpoint;
        options.HttpClientFactory = () =>
        {
            var client = new HttpClient(
                new SigV4Handler(target.Service, target.Region, credentials, clock, redirect)
                {
                    InnerHandler = new SocketsHttpHandler
                    {
                        AutomaticDecompression = DecompressionMethods.None,
                        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
                    },
                },
                disposeHandler: true)
            {
                Timeout = TimeSpan.FromMilliseconds(timeoutMilliseconds),
            };

            // The signal's headers (x-aws-log-group, ...) go on every request, and are signed with it.
            foreach (var (name, value) in headers)
            {
                client.DefaultRequestHeaders.TryAddWithoutValidation(name, value);
            }

            return client;
        };

        return $"{signal.ToLowerInvariant()} signed with SigV4 for {target.Service} in {target.Region}";
    }
}
