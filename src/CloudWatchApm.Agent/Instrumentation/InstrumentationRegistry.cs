// Registers the instrumentations that are switched on, by ID, into the providers. Libraries
// that publish an ActivitySource or Meter cost nothing until the app loads and uses them;
// the ones that need the agent's own code are only wired when their assembly is present.
using System.Runtime.CompilerServices;
using CloudWatchApm.Agent.Configuration;
using CloudWatchApm.Agent.Pipeline;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace CloudWatchApm.Agent.Instrumentation;

internal static class InstrumentationRegistry
{
    /// <summary>Adds the trace instrumentations; returns the IDs that were enabled.</summary>
    internal static List<string> AddTracing(TracerProviderBuilder builder, AgentSettings s, AgentContext context)
    {
        var ids = new List<string>();
        if (s.IsInstrumentationEnabled("TRACES", InstrumentationCatalog.AspNetCore) && context.AppHas("Microsoft.AspNetCore.Hosting"))
        {
            AddAspNetCore(builder, s);
            ids.Add(InstrumentationCatalog.AspNetCore);
        }

        if (s.IsInstrumentationEnabled("TRACES", InstrumentationCatalog.HttpClient))
        {
            builder.AddHttpClientInstrumentation(o => o.RecordException = true);
            ids.Add(InstrumentationCatalog.HttpClient);
        }

        foreach (var (id, sources) in InstrumentationCatalog.TraceSources)
        {
            if (s.IsInstrumentationEnabled("TRACES", id))
            {
                builder.AddSource(sources);
                ids.Add(id);
            }
        }

        if (s.AdditionalTraceSources.Count > 0)
        {
            // ActivitySource name matching in the SDK supports '*' wildcards.
            builder.AddSource([.. s.AdditionalTraceSources]);
        }

        return ids;
    }

    /// <summary>Adds the metric instrumentations; returns the IDs that were enabled.</summary>
    internal static List<string> AddMetrics(MeterProviderBuilder builder, AgentSettings s, AgentContext context)
    {
        _ = context;
        var ids = new List<string>();
        foreach (var (id, meters) in InstrumentationCatalog.MetricMeters)
        {
            if (s.IsInstrumentationEnabled("METRICS", id))
            {
                builder.AddMeter(meters);
                ids.Add(id);
            }
        }

        if (s.IsInstrumentationEnabled("METRICS", InstrumentationCatalog.NetRuntime))
        {
            builder.AddRuntimeInstrumentation();
            ids.Add(InstrumentationCatalog.NetRuntime);
        }

        if (s.IsInstrumentationEnabled("METRICS", InstrumentationCatalog.Process))
        {
            builder.AddMeter(ProcessMetrics.MeterName);
            ProcessMetrics.EnsureCreated();
            ids.Add(InstrumentationCatalog.Process);
        }

        if (s.AdditionalMeterSources.Count > 0)
        {
            builder.AddMeter([.. s.AdditionalMeterSources]);
        }

        return ids;
    }

    /// <summary>Separate method so the ASP.NET Core assembly is only loaded when it is used.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void AddAspNetCore(TracerProviderBuilder builder, AgentSettings s)
        => AspNetCore.AspNetCoreSetup.AddTracing(builder, s.CaptureRequestHeaders, s.CaptureResponseHeaders);
}
