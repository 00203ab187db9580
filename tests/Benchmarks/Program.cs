// Entry point of the micro-benchmarks (build/bench.sh micro).
using CloudWatchApm.Agent.Benchmarks.Harness;
using CloudWatchApm.Agent.Benchmarks.Micro;

const string UsageText = """
    usage: CloudWatchApm.Agent.Benchmarks micro [--quick] [--filter Name] [--out results.tsv] [--artifacts dir]
    """;

if (args.Length == 0 || args[0] != "micro")
{
    Console.Error.WriteLine(UsageText);
    return 2;
}

try
{
    return MicroRunner.Run(new Options(args.Skip(1)));
}
catch (ArgumentException ex)
{
    Console.Error.WriteLine(ex.Message);
    Console.Error.WriteLine(UsageText);
    return 2;
}
