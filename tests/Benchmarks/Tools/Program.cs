// Entry point of the benchmark helper processes; build/bench.sh runs each command as its own process.
using CloudWatchApm.Agent.Benchmarks.Harness;

const string UsageText = """
    usage: CloudWatchApm.Agent.Benchmarks.Tools <command> [--option value ...]
      receiver   --port 4317 [--control-port 4318] [--stats-file path]
      downstream --port 5300
      load       --url http://127.0.0.1:5200/orders/{n} --rate 200 --seconds 30 [--connections 64]
    """;

if (args.Length == 0)
{
    Console.Error.WriteLine(UsageText);
    return 2;
}

try
{
    var options = new Options(args.Skip(1));
    return args[0] switch
    {
        "receiver" => await Receiver.RunAsync(options),
        "downstream" => await Downstream.RunAsync(options),
        "load" => LoadClient.Run(options),
        _ => Unknown(args[0]),
    };
}
catch (ArgumentException ex)
{
    Console.Error.WriteLine(ex.Message);
    Console.Error.WriteLine(UsageText);
    return 2;
}

static int Unknown(string command)
{
    Console.Error.WriteLine($"unknown command '{command}'");
    return 2;
}
