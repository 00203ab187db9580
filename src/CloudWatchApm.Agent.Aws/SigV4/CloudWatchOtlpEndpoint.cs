// Recognises CloudWatch's own OTLP endpoints, which accept OTLP/HTTP signed with SigV4:
//   traces: https://xray.{region}.amazonaws.com/v1/traces   (service "xray")
//   logs:   https://logs.{region}.amazonaws.com/v1/logs     (service "logs")
// (".amazonaws.com.cn" for the China regions). Anything else is left to the plain exporter.
namespace CloudWatchApm.Agent.Aws.SigV4;

internal readonly record struct CloudWatchOtlpEndpoint(string Service, string Region)
{
    internal static bool TryParse(Uri endpoint, string signal, out CloudWatchOtlpEndpoint result)
    {
        result = default;
        if (endpoint.Scheme != Uri.UriSchemeHttps)
        {
            return false;
        }

        var (service, path) = signal switch
        {
            "TRACES" => ("xray", "/v1/traces"),
            "LOGS" => ("logs", "/v1/logs"),
            _ => (null, null),
        };

        if (service is null || !string.Equals(endpoint.AbsolutePath.TrimEnd('/'), path, StringComparison.Ordinal))
        {
            return false;
        }

        var host = endpoint.Host.ToLowerInvariant();
        var suffix = host.EndsWith(".amazonaws.com", StringComparison.Ordinal) ? ".amazonaws.com"
            : host.EndsWith(".amazonaws.com.cn", StringComparison.Ordinal) ? ".amazonaws.com.cn"
            : null;
        if (suffix is null || host.Length <= service.Length + 1 + suffix.Length || !host.StartsWith(service + ".", StringComparison.Ordinal))
        {
            return false;
        }

        var region = host[(service.Length + 1)..^suffix.Length];
        if (region.Length == 0 || !region.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-'))
        {
            return false;
        }

        result = new CloudWatchOtlpEndpoint(service, region);
        return true;
    }
}
