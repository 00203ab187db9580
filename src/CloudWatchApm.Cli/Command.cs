// The shape every command has: a name, options, help, and Execute returning an exit code.
using System.Globalization;
using System.Text;

namespace CloudWatchApm.Cli;

/// <summary>What a command runs with: the console, the environment and the process seams.</summary>
internal sealed class CliContext(IConsole console, ICliEnvironment environment)
{
    internal IConsole Console { get; } = console;

    internal ICliEnvironment Environment { get; } = environment;

    internal IProcessReplacer Exec { get; init; } = new ExecProcessReplacer();
}

internal abstract class Command
{
    internal abstract string Name { get; }

    internal abstract string Summary { get; }

    /// <summary>One line for the command list of `cwapm --help`.</summary>
    internal abstract string Brief { get; }

    /// <summary>The usage line after "cwapm ", e.g. "run [options] [--] &lt;command...&gt;".</summary>
    internal abstract string Usage { get; }

    internal abstract IReadOnlyList<OptionSpec> Options { get; }

    /// <summary>Text after the option list: notes and examples.</summary>
    internal virtual string Details => string.Empty;

    /// <summary>True when the first positional argument starts a command line that is not ours.</summary>
    internal virtual bool StopAtPositional => false;

    internal abstract int Execute(CliContext context, ParsedArgs args);

    internal string HelpText()
    {
        var sb = new StringBuilder();
        sb.Append("Usage: cwapm ").Append(Usage).Append('\n').Append('\n');
        sb.Append(Summary).Append('\n').Append('\n');
        sb.Append("Options:\n");
        var rows = new List<(string Left, string Help)>();
        foreach (var option in Options)
        {
            rows.Add((option.TakesValue ? option.Name + " " + option.ValueName : option.Name, option.Help));
        }

        rows.Add(("-h, --help", "show this help"));
        var width = 0;
        foreach (var row in rows)
        {
            width = Math.Max(width, row.Left.Length);
        }

        foreach (var row in rows)
        {
            sb.Append("  ").Append(row.Left.PadRight(width + 2)).Append(row.Help).Append('\n');
        }

        sb.Append("\nOptions also take the form --option=value; '_' may stand for '-' (--service_name).\n");
        if (Details.Length > 0)
        {
            sb.Append('\n').Append(Details.TrimEnd('\n')).Append('\n');
        }

        return sb.ToString();
    }

    /// <summary>Prints "cwapm NAME: message" and the pointer to --help; returns the usage exit code.</summary>
    internal int UsageError(CliContext context, string message)
    {
        context.Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"cwapm {Name}: {message}"));
        context.Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Run 'cwapm {Name} --help' for the options."));
        return ExitCodes.Usage;
    }
}
