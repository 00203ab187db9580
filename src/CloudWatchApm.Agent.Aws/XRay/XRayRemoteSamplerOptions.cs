// Settings of the X-Ray remote sampler, parsed from the sampler argument
// (OTEL_TRACES_SAMPLER_ARG), e.g. "endpoint=http://localhost:2000,polling_interval=300".
// Parsing never throws: every bad part becomes a warning for the caller to log, and the
// default for that setting is kept, so one typo does not switch sampling off.
using System.Globalization;

namespace CloudWatchApm.Agent.Aws.XRay;

internal sealed class XRayRemoteSamplerOptions
{
    internal const string EndpointKey = "endpoint";
    internal const string PollingIntervalKey = "polling_interval";
    internal const int DefaultPollingIntervalSeconds = 300;

    // A day: longer than that and the one-hour rule cache expiry makes the rules useless.
    internal const int MaxPollingIntervalSeconds = 86_400;

    internal static readonly Uri DefaultEndpoint = new("http://localhost:2000/");

    /// <summary>Base address of the X-Ray sampling API (X-Ray daemon or the collector's awsproxy).</summary>
    internal Uri Endpoint { get; init; } = DefaultEndpoint;

    /// <summary>How often the rules are fetched again (a little jitter is added).</summary>
    internal TimeSpan PollingInterval { get; init; } = TimeSpan.FromSeconds(DefaultPollingIntervalSeconds);

    internal static XRayRemoteSamplerOptions Parse(string? samplerArgument, ICollection<string> warnings)
    {
        ArgumentNullException.ThrowIfNull(warnings);
        var endpoint = DefaultEndpoint;
        var pollingInterval = TimeSpan.FromSeconds(DefaultPollingIntervalSeconds);

        if (!string.IsNullOrWhiteSpace(samplerArgument))
        {
            foreach (var rawPart in samplerArgument.Split(','))
            {
                var part = rawPart.Trim();
                if (part.Length == 0)
                {
                    continue;
                }

                var equals = part.IndexOf('=', StringComparison.Ordinal);
                if (equals <= 0)
                {
                    warnings.Add($"X-Ray sampler argument '{part}' is not key=value (accepted keys: {EndpointKey}, {PollingIntervalKey}); ignored.");
                    continue;
                }

                var key = part[..equals].Trim();
                var value = part[(equals + 1)..].Trim();
                if (key.Equals(EndpointKey, StringComparison.OrdinalIgnoreCase))
                {
                    if (TryParseEndpoint(value, out var parsed))
                    {
                        endpoint = parsed;
                    }
                    else
                    {
                        warnings.Add($"X-Ray sampler {EndpointKey} '{value}' is not an absolute http or https URL; using {DefaultEndpoint}.");
                    }
                }
                else if (key.Equals(PollingIntervalKey, StringComparison.OrdinalIgnoreCase))
                {
                    if (int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var seconds)
                        && seconds is > 0 and <= MaxPollingIntervalSeconds)
                    {
                        pollingInterval = TimeSpan.FromSeconds(seconds);
                    }
                    else
                    {
                        warnings.Add($"X-Ray sampler {PollingIntervalKey} '{value}' is not a whole number of seconds between 1 and {MaxPollingIntervalSeconds}; using {DefaultPollingIntervalSeconds}.");
                    }
                }
                else
                {
                    warnings.Add($"X-Ray sampler argument key '{key}' is unknown (accepted keys: {EndpointKey}, {PollingIntervalKey}); ignored.");
                }
            }
        }

        return new XRayRemoteSamplerOptions { Endpoint = endpoint, PollingInterval = pollingInterval };
    }

    private static bool TryParseEndpoint(string value, out Uri endpoint)
    {
        endpoint = DefaultEndpoint;
        if (!Uri.TryCreate(value, UriKind.Absolute, out var uri)
            || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps)
            || !string.IsNullOrEmpty(uri.Query)
            || !string.IsNullOrEmpty(uri.Fragment))
        {
            return false;
        }

        // A trailing slash makes relative paths ("GetSamplingRules") append to a base path
        // such as /xray/ instead of replacing its last segment.
        endpoint = uri.AbsolutePath.EndsWith('/') ? uri : new Uri(uri.AbsoluteUri + "/");
        return true;
    }
}
