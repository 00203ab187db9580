namespace CloudWatchApm.Cli;

internal static class Program
{
    private static int Main(string[] args) => CliApp.Run(new CliContext(new SystemConsole(), new SystemEnvironment()), args);
}
