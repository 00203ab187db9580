// OTEL_PROPAGATORS: a registry from name to propagator, so the AWS assembly can plug in
// "xray" without this file knowing its types. Also makes the runtime's own propagation
// (HttpClient's DiagnosticsHandler, ASP.NET Core's hosting) use the same propagators.
using System.Diagnostics;
using CloudWatchApm.Agent.Pipeline.Propagators;
using OpenTelemetry;
using OpenTelemetry.Context.Propagation;

namespace CloudWatchApm.Agent.Pipeline;

internal static class Propagation
{
    private static readonly Dictionary<string, Func<TextMapPropagator>> Registry = new(StringComparer.OrdinalIgnoreCase)
    {
        ["tracecontext"] = () => new TraceContextPropagator(),
        ["baggage"] = () => new BaggagePropagator(),
        ["b3"] = () => new ZipkinB3Propagator(singleHeader: true),
        ["b3multi"] = () => new ZipkinB3Propagator(singleHeader: false),
    };

    internal static void Register(string name, Func<TextMapPropagator> factory) => Registry[name] = factory;

    internal static TextMapPropagator Create(IReadOnlyList<string> names, out List<string> used)
    {
        used = [];
        var list = new List<TextMapPropagator>();
        foreach (var name in names)
        {
            if (Registry.TryGetValue(name, out var factory))
            {
                list.Add(factory());
                used.Add(name);
            }
        }

        return new CompositeTextMapPropagator(list);
    }

    /// <summary>Installs the propagator for the SDK and for the runtime's own HTTP propagation.</summary>
    internal static void Install(TextMapPropagator propagator)
    {
        Sdk.SetDefaultTextMapPropagator(propagator);
        DistributedContextPropagator.Current = new RuntimePropagatorAdapter(propagator);
    }
}
