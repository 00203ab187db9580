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

    /// <summary>The propagators named in <paramref name="names"/> that are known, in that order.</summary>
    internal static List<TextMapPropagator> Create(IReadOnlyList<string> names, out List<string> used)
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

        return list;
    }

    /// <summary>
    /// Installs the propagators for the runtime's own HTTP propagation: behind the stand-in that
    /// is current since the agent started (see DeferredRuntimePropagator), or directly when there
    /// is none (it could not be installed).
    /// </summary>
    internal static void InstallForRuntime(IReadOnlyList<TextMapPropagator> propagators, DeferredRuntimePropagator? deferred)
    {
        var adapter = new RuntimePropagatorAdapter(propagators);
        if (deferred is null)
        {
            DistributedContextPropagator.Current = adapter;
        }
        else
        {
            deferred.Inner = adapter;
        }
    }

    /// <summary>
    /// Installs the propagators for the SDK (instrumentations that inject or extract through
    /// OpenTelemetry: AWS SDK, messaging). Nothing uses them before the tracer provider
    /// exists, so this is done with the providers, off the app's start-up path (it loads and
    /// initialises the SDK).
    /// </summary>
    internal static void InstallForSdk(IReadOnlyList<TextMapPropagator> propagators)
        => Sdk.SetDefaultTextMapPropagator(new CompositeTextMapPropagator(propagators));
}
