using System.Globalization;

namespace CloudWatchApm.Cli.Commands;

/// <summary>`cwapm run`: set the instrumenting variables and exec the application.</summary>
internal sealed class RunCommand : Command
{
    private const int ENOENT = 2;

    internal override string Name => "run";

    internal override string Brief => "run a command with the agent loaded";

    internal override string Summary => "Run a command with the agent loaded: sets the variables that instrument .NET apps, then replaces itself with the command (same pid, signals, exit code, stdin/stdout).";

    internal override string Usage => "run [options] [--] <command> [args...]";

    internal override bool StopAtPositional => true;

    internal override IReadOnlyList<OptionSpec> Options { get; } =
    [
        .. OtelOptions.Specs(),
        new OptionSpec("--home", "DIR", "agent home (default: OTEL_DOTNET_AUTO_HOME, else the home this cwapm belongs to)"),
    ];

    internal override string Details => """
        Flags win over variables already in the environment. '--' is needed only when the
        command itself starts with '-'. Exit code: the command's own; 127 when it is not
        found, 126 when it cannot be executed; 1 when no agent home is found; 2 usage error.

        Examples:
          cwapm run --service-name orders -- dotnet Orders.dll
          cwapm run --service_name=orders --traces-exporter console ./Orders
          cwapm run --set OTEL_DOTNET_AUTO_TRACES_SQLCLIENT_INSTRUMENTATION_ENABLED=false -- dotnet Orders.dll
        """;

    internal override int Execute(CliContext context, ParsedArgs args)
    {
        if (args.Positionals.Count == 0)
        {
            return UsageError(context, "missing command: cwapm run [options] -- <command> [args...]");
        }

        var home = AgentHome.Locate(context.Environment, args.Get("--home"), out var problem);
        if (home is null)
        {
            context.Console.Error.WriteLine("cwapm run: " + problem);
            return ExitCodes.Problems;
        }

        if (!AgentHome.IsHome(home))
        {
            // A startup hook path that does not exist stops the app from starting at all.
            context.Console.Error.WriteLine("cwapm run: " + home + " is not an agent home (no " + InstrumentingVariables.HookRelativePath + ")");
            return ExitCodes.Problems;
        }

        var environment = new Dictionary<string, string>(context.Environment.GetAll(), StringComparer.Ordinal);
        string? Baseline(string key) => environment.TryGetValue(key, out var value) ? value : null;
        if (!InstrumentedEnvironment.TryBuild(home, args, Baseline, out var variables, out var error))
        {
            return UsageError(context, error!);
        }

        foreach (var (key, value) in variables)
        {
            environment[key] = value;
        }

        var command = args.Positionals[0];
        var path = CommandResolver.Resolve(command, Baseline("PATH"), out var notExecutable);
        if (path is null)
        {
            context.Console.Error.WriteLine(notExecutable
                ? string.Create(CultureInfo.InvariantCulture, $"cwapm run: {command}: permission denied (found on PATH but not executable)")
                : string.Create(CultureInfo.InvariantCulture, $"cwapm run: {command}: command not found (PATH={Baseline("PATH")})"));
            return notExecutable ? ExitCodes.CannotExecute : ExitCodes.CommandNotFound;
        }

        context.Console.Out.Flush();
        context.Console.Error.Flush();
        var errno = context.Exec.Exec(path, args.Positionals, environment, out var reason);
        if (errno == 0)
        {
            // Only a test double returns without an error: a real exec does not return.
            return ExitCodes.Ok;
        }

        context.Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"cwapm run: cannot execute {path}: {reason}"));
        return errno == ENOENT ? ExitCodes.CommandNotFound : ExitCodes.CannotExecute;
    }
}
