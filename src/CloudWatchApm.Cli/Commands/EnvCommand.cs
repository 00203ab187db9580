using System.Globalization;

namespace CloudWatchApm.Cli.Commands;

/// <summary>`cwapm env`: print the instrumenting variables for a shell, a file or a container spec.</summary>
internal sealed class EnvCommand : Command
{
    internal override string Name => "env";

    internal override string Brief => "print the instrumenting variables (sh, fish, powershell, dotenv, dockerfile, k8s, ecs)";

    internal override string Summary => "Print the variables that instrument .NET apps, in the syntax of a shell, a .env file, a Dockerfile, a Kubernetes container or an ECS task definition.";

    internal override string Usage => "env [--format FORMAT] [--home DIR] [OTEL options]";

    internal override IReadOnlyList<OptionSpec> Options { get; } =
    [
        new OptionSpec("--format", "FORMAT", "sh (default), fish, powershell, dotenv, dockerfile, k8s, ecs"),
        new OptionSpec("--home", "DIR", "agent home as the app will see it (default: this home; " + InstrumentingVariables.ContainerHome + " for dockerfile, k8s and ecs)"),
        .. OtelOptions.Specs(),
    ];

    internal override string Details => """
        sh, fish and powershell merge with the variables of the current shell (an existing
        DOTNET_STARTUP_HOOKS is kept and ours appended); the other formats describe a fresh
        environment. k8s prints an `env:` list for a container spec; ecs prints a JSON object
        with the `environment` array of a container definition.

        Examples:
          eval "$(cwapm env --service-name orders)"
          cwapm env --format fish | source
          cwapm env --format k8s --service-name orders --endpoint http://otel-collector:4317
          cwapm env --format ecs --home /otel/cwapm --service-name orders
        """;

    internal override int Execute(CliContext context, ParsedArgs args)
    {
        if (args.Positionals.Count > 0)
        {
            return UsageError(context, string.Create(CultureInfo.InvariantCulture, $"unexpected argument '{args.Positionals[0]}'"));
        }

        var requested = args.Get("--format") ?? EnvFormats.Sh;
        var format = EnvFormats.Normalize(requested);
        if (format is null)
        {
            return UsageError(context, string.Create(
                CultureInfo.InvariantCulture,
                $"unknown format '{requested}'; did you mean '{OptionParser.Closest(requested, EnvFormats.All)}'? Formats: {string.Join(", ", EnvFormats.All)}"));
        }

        var isContainer = Array.IndexOf(EnvFormats.Container, format) >= 0;
        var home = args.Get("--home");
        if (home is null)
        {
            if (isContainer)
            {
                home = InstrumentingVariables.ContainerHome;
            }
            else
            {
                home = AgentHome.Locate(context.Environment, null, out var problem);
                if (home is null)
                {
                    context.Console.Error.WriteLine("cwapm env: " + problem);
                    return ExitCodes.Problems;
                }
            }
        }

        Func<string, string?> baseline = Array.IndexOf(EnvFormats.Shells, format) >= 0 ? context.Environment.Get : _ => null;
        if (!InstrumentedEnvironment.TryBuild(home, args, baseline, out var variables, out var error))
        {
            return UsageError(context, error!);
        }

        EnvFormats.Write(format, variables, context.Console.Out);
        return ExitCodes.Ok;
    }
}
