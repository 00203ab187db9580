// Process metrics (the contrib package is not available here): CPU time by mode, memory and
// threads, observed only when the meter provider collects, so they cost nothing in between.
using System.Diagnostics.Metrics;

namespace CloudWatchApm.Agent.Instrumentation;

internal static class ProcessMetrics
{
    internal const string MeterName = "CloudWatchApm.Process";

    private static Meter? _meter;

    internal static void EnsureCreated()
    {
        if (_meter is not null)
        {
            return;
        }

        var meter = new Meter(MeterName, "1.0");
        meter.CreateObservableCounter("process.cpu.time", CpuTime, unit: "s", description: "Total CPU seconds broken down by mode.");
        meter.CreateObservableUpDownCounter("process.memory.usage", () => Environment.WorkingSet, unit: "By", description: "The amount of physical memory in use.");
        meter.CreateObservableUpDownCounter("process.memory.virtual", Virtual, unit: "By", description: "The amount of committed virtual memory.");
        meter.CreateObservableUpDownCounter("process.thread.count", () => (long)ThreadCount(), unit: "{thread}", description: "Process threads count.");
        _meter = meter;
    }

    private static IEnumerable<Measurement<double>> CpuTime()
    {
        using var p = System.Diagnostics.Process.GetCurrentProcess();
        return
        [
            new Measurement<double>(p.UserProcessorTime.TotalSeconds, new KeyValuePair<string, object?>("cpu.mode", "user")),
            new Measurement<double>(p.PrivilegedProcessorTime.TotalSeconds, new KeyValuePair<string, object?>("cpu.mode", "system")),
        ];
    }

    private static long Virtual()
    {
        using var p = System.Diagnostics.Process.GetCurrentProcess();
        return p.VirtualMemorySize64;
    }

    private static int ThreadCount()
    {
        using var p = System.Diagnostics.Process.GetCurrentProcess();
        return p.Threads.Count;
    }
}
