// OTEL_TRACES_SAMPLER as the specification defines it. The X-Ray remote sampler lives in the
// AWS assembly and is only loaded when chosen.
using System.Runtime.CompilerServices;
using CloudWatchApm.Agent.Configuration;
using OpenTelemetry.Trace;

namespace CloudWatchApm.Agent.Pipeline;

internal static class Sampling
{
    internal static Sampler Create(AgentSettings settings, Func<Sampler>? xray)
    {
        var sampler = CreateCore(settings, xray);
        return sampler is ParentBasedSampler && AwsHooks.XRayPropagation(settings) ? AwsHooks.WrapParentBased(Root(settings)) : sampler;
    }

    private static Sampler Root(AgentSettings settings) => settings.Sampler switch
    {
        "parentbased_always_off" => new AlwaysOffSampler(),
        "parentbased_traceidratio" => new TraceIdRatioBasedSampler(settings.SamplerRatio),
        _ => new AlwaysOnSampler(),
    };

    private static Sampler CreateCore(AgentSettings settings, Func<Sampler>? xray)
    {
        switch (settings.Sampler)
        {
            case "always_on":
                return new AlwaysOnSampler();
            case "always_off":
                return new AlwaysOffSampler();
            case "traceidratio":
                return new TraceIdRatioBasedSampler(settings.SamplerRatio);
            case "parentbased_always_off":
                return new ParentBasedSampler(new AlwaysOffSampler());
            case "parentbased_traceidratio":
                return new ParentBasedSampler(new TraceIdRatioBasedSampler(settings.SamplerRatio));
            case "xray" when xray is not null:
                return xray();
            default:
                return new ParentBasedSampler(new AlwaysOnSampler());
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    internal static string Describe(AgentSettings settings)
        => settings.Sampler is "traceidratio" or "parentbased_traceidratio"
            ? settings.Sampler + "(" + settings.SamplerRatio.ToString(System.Globalization.CultureInfo.InvariantCulture) + ")"
            : settings.Sampler;
}
