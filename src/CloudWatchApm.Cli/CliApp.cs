// Entry point logic: pick the command, parse its options, print help or run it.
using System.Globalization;
using System.Reflection;
using CloudWatchApm.Cli.Commands;

namespace CloudWatchApm.Cli;

internal static class CliApp
{
    internal static readonly Command[] Commands =
    [
        new InstallCommand(),
        new RunCommand(),
        new EnvCommand(),
        new DoctorCommand(),
        new DetectCommand(),
        new StatusCommand(),
    ];

    internal static int Run(CliContext context, IReadOnlyList<string> args)
    {
        if (args.Count == 0)
        {
            context.Console.Error.Write(TopLevelHelp());
            return ExitCodes.Usage;
        }

        var first = args[0];
        if (first is "-h" or "--help" or "help" && args.Count == 1)
        {
            context.Console.Out.Write(TopLevelHelp());
            return ExitCodes.Ok;
        }

        if (first is "--version" or "version")
        {
            context.Console.Out.WriteLine("cwapm " + CliVersion());
            var home = AgentHome.Locate(context.Environment, null, out _);
            if (home is not null)
            {
                context.Console.Out.WriteLine("agent home " + home + " (version " + (AgentHome.ReadVersion(home) ?? "unknown") + ")");
            }

            return ExitCodes.Ok;
        }

        var rest = new List<string>(args.Count);
        for (var i = 1; i < args.Count; i++)
        {
            rest.Add(args[i]);
        }

        if (first == "help")
        {
            first = rest[0];
            rest = ["--help"];
        }

        var command = Array.Find(Commands, c => c.Name == first);
        if (command is null)
        {
            var names = Array.ConvertAll(Commands, c => c.Name);
            context.Console.Error.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"cwapm: unknown command '{first}'; did you mean '{OptionParser.Closest(first, names)}'?"));
            context.Console.Error.WriteLine("Run 'cwapm --help' for the commands.");
            return ExitCodes.Usage;
        }

        if (!OptionParser.TryParse(rest, command.Options, command.StopAtPositional, out var parsed, out var error))
        {
            return command.UsageError(context, error!);
        }

        if (parsed.Help)
        {
            context.Console.Out.Write(command.HelpText());
            return ExitCodes.Ok;
        }

        return command.Execute(context, parsed);
    }

    internal static string TopLevelHelp()
    {
        var sb = new System.Text.StringBuilder();
        sb.Append("cwapm: the CloudWatch APM .NET agent command\n\n");
        sb.Append("Usage: cwapm <command> [options]\n\nCommands:\n");
        foreach (var command in Commands)
        {
            sb.Append("  ").Append(command.Name.PadRight(10)).Append(command.Brief).Append('\n');
        }

        sb.Append("\n  cwapm <command> --help   the options of a command\n");
        sb.Append("  cwapm --version          versions of the CLI and the agent home\n");
        sb.Append("\nExit codes: 0 ok, 1 problems found, 2 usage error.\n");
        return sb.ToString();
    }

    internal static string CliVersion()
    {
        var assembly = typeof(CliApp).Assembly;
        var informational = assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;
        if (string.IsNullOrEmpty(informational))
        {
            return assembly.GetName().Version?.ToString() ?? "unknown";
        }

        var plus = informational.IndexOf('+', StringComparison.Ordinal);
        return plus > 0 ? informational[..plus] : informational;
    }
}
