// `micro`: runs the BenchmarkDotNet benchmarks in this process (in-process toolchain: no
// generated project to build, which matters on a busy 2-core machine) with the memory
// diagnoser, and writes one tab-separated line per benchmark to --out for bench.sh:
//   class <TAB> description <TAB> mean ns <TAB> error ns <TAB> bytes allocated per operation
// --quick uses a short job (fine for checking the harness; too short for stable nanoseconds,
// while the allocation counts are exact either way). --filter keeps classes whose name
// contains the text.
using System.Globalization;
using System.Text;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Exporters;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Loggers;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using CloudWatchApm.Agent.Benchmarks.Harness;
using Perfolizer.Horology;

namespace CloudWatchApm.Agent.Benchmarks.Micro;

internal static class MicroRunner
{
    private static readonly Type[] All =
    [
        typeof(PropagatorBenchmarks),
        typeof(SamplerBenchmarks),
        typeof(SqlSanitizerBenchmarks),
        typeof(ApplicationSignalsBenchmarks),
        typeof(SpanProcessorBenchmarks),
    ];

    internal static int Run(Options options)
    {
        var quick = options.Flag("quick");
        var filter = options.Get("filter");
        var output = options.Get("out");
        var artifacts = options.Get("artifacts") ?? Path.Combine(Path.GetTempPath(), "cwapm-bdn");

        var job = quick
            ? Job.ShortRun.WithIterationTime(TimeInterval.FromMilliseconds(100))
            : Job.Default.WithWarmupCount(5).WithIterationCount(15);
        job = job.WithToolchain(InProcessEmitToolchain.Instance).WithId(quick ? "quick" : "bench");

        var config = ManualConfig.CreateEmpty()
            .AddJob(job)
            .AddDiagnoser(MemoryDiagnoser.Default)
            .AddColumnProvider(DefaultColumnProviders.Instance)
            .AddLogger(ConsoleLogger.Default)
            .AddExporter(MarkdownExporter.GitHub)
            .WithArtifactsPath(artifacts);

        var types = All.Where(t => filter is null || t.Name.Contains(filter, StringComparison.OrdinalIgnoreCase)).ToArray();
        if (types.Length == 0)
        {
            Console.Error.WriteLine($"micro: no benchmark class matches '{filter}'");
            return 2;
        }

        var lines = new StringBuilder();
        var failed = false;
        foreach (var type in types)
        {
            var summary = BenchmarkRunner.Run(type, config);
            failed |= summary.HasCriticalValidationErrors;
            foreach (var report in summary.Reports)
            {
                lines.AppendLine(Describe(type, report));
                failed |= report.ResultStatistics is null;
            }
        }

        if (output is not null)
        {
            File.WriteAllText(output, lines.ToString());
        }

        Console.Write(lines.ToString());
        return failed ? 1 : 0;
    }

    private static string Describe(Type type, BenchmarkReport report)
    {
        var description = report.BenchmarkCase.Descriptor.WorkloadMethodDisplayInfo.Trim('\'');
        var stats = report.ResultStatistics;
        var bytes = report.GcStats.GetBytesAllocatedPerOperation(report.BenchmarkCase);
        return string.Create(
            CultureInfo.InvariantCulture,
            $"{type.Name}\t{description}\t{(stats is null ? "NA" : stats.Mean.ToString("F1", CultureInfo.InvariantCulture))}\t{(stats is null ? "NA" : stats.StandardError.ToString("F1", CultureInfo.InvariantCulture))}\t{(bytes?.ToString(CultureInfo.InvariantCulture) ?? "NA")}");
    }
}
