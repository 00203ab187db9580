// How the agent's MeterProvider aggregates each instrument: one view for every instrument, so
// that no instrument ever matches two views (each match would export a second stream).
//
// The SDK gives every metric stream room for its cardinality limit up front: at the default of
// 2000 that is about 186 KB of managed heap per instrument, whether the instrument ever sees
// more than one attribute set or not. The runtime, process and Kestrel meters publish about 30
// instruments whose attribute values come from the process itself (GC generations, CPU modes,
// listening endpoints, connection pools), never from request data; they get a limit of 200
// (about 25 KB each). Instruments whose attributes follow the traffic (routes, status codes,
// remote hosts) and the application's own meters keep the SDK's default.
using System.Diagnostics.Metrics;
using OpenTelemetry.Metrics;

namespace CloudWatchApm.Agent.Pipeline;

internal static class MetricStreams
{
    /// <summary>The cardinality limit of a stream whose attribute sets are fixed by the process.</summary>
    internal const int ProcessBoundLimit = 200;

    /// <summary>Meters whose attribute values are bounded by the process, not by its traffic.</summary>
    private static readonly string[] ProcessBoundMeters =
    [
        "System.Runtime",
        "OpenTelemetry.Instrumentation.Runtime",
        Instrumentation.ProcessMetrics.MeterName,
        "Microsoft.AspNetCore.Server.Kestrel",
        "Npgsql",
        "MySqlConnector",
        "Microsoft.EntityFrameworkCore",
    ];

    /// <summary>The stream configuration for one instrument; null keeps the SDK's defaults.</summary>
    internal static MetricStreamConfiguration? Configure(Instrument instrument, bool exponentialHistograms)
    {
        int? limit = IsProcessBound(instrument.Meter.Name) ? ProcessBoundLimit : null;
        if (exponentialHistograms && IsHistogram(instrument))
        {
            return new Base2ExponentialBucketHistogramConfiguration { CardinalityLimit = limit };
        }

        // A plain configuration keeps the instrument's advice (a histogram's bucket boundaries).
        return limit is null ? null : new MetricStreamConfiguration { CardinalityLimit = limit };
    }

    private static bool IsProcessBound(string meterName) => Array.IndexOf(ProcessBoundMeters, meterName) >= 0;

    private static bool IsHistogram(Instrument instrument) => instrument.GetType().Name.StartsWith("Histogram", StringComparison.Ordinal);
}
