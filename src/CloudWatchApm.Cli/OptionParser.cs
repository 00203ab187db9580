// Hand-written option parsing: `--opt value`, `--opt=value`, `--opt_name` as `--opt-name`,
// `--` ends the options. No package: the CLI starts in a few tens of milliseconds and is
// put in front of every instrumented app by `cwapm run`.
using System.Globalization;

namespace CloudWatchApm.Cli;

/// <summary>One option a command accepts.</summary>
internal sealed record OptionSpec(string Name, string? ValueName, string Help)
{
    internal bool TakesValue => ValueName is not null;
}

/// <summary>What the parser found, in command-line order.</summary>
internal sealed class ParsedArgs
{
    internal List<KeyValuePair<string, string>> Options { get; } = [];

    internal List<string> Positionals { get; } = [];

    internal bool Help { get; set; }

    internal bool Has(string name) => Options.Exists(o => o.Key == name);

    /// <summary>The last value given for <paramref name="name"/>, or null.</summary>
    internal string? Get(string name)
    {
        string? value = null;
        foreach (var option in Options)
        {
            if (option.Key == name)
            {
                value = option.Value;
            }
        }

        return value;
    }
}

internal static class OptionParser
{
    internal const string HelpOption = "--help";

    /// <summary>
    /// Parses <paramref name="args"/>. With <paramref name="stopAtPositional"/> the first
    /// argument that is not an option, and everything after it, is positional (the command
    /// of `cwapm run`), so the command's own options are never taken for ours.
    /// </summary>
    internal static bool TryParse(
        IReadOnlyList<string> args,
        IReadOnlyList<OptionSpec> specs,
        bool stopAtPositional,
        out ParsedArgs parsed,
        out string? error)
    {
        parsed = new ParsedArgs();
        error = null;
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (arg == "--")
            {
                for (var j = i + 1; j < args.Count; j++)
                {
                    parsed.Positionals.Add(args[j]);
                }

                return true;
            }

            if (arg is "-h" or "-?" || Canonical(arg) == HelpOption)
            {
                parsed.Help = true;
                continue;
            }

            if (arg.Length < 2 || arg[0] != '-')
            {
                parsed.Positionals.Add(arg);
                if (stopAtPositional)
                {
                    for (var j = i + 1; j < args.Count; j++)
                    {
                        parsed.Positionals.Add(args[j]);
                    }

                    return true;
                }

                continue;
            }

            var eq = arg.IndexOf('=', StringComparison.Ordinal);
            var name = Canonical(eq > 0 ? arg[..eq] : arg);
            var spec = Find(specs, name);
            if (spec is null)
            {
                error = UnknownOption(eq > 0 ? arg[..eq] : arg, specs);
                return false;
            }

            if (!spec.TakesValue)
            {
                if (eq > 0)
                {
                    error = string.Create(CultureInfo.InvariantCulture, $"option '{spec.Name}' takes no value");
                    return false;
                }

                parsed.Options.Add(new(spec.Name, string.Empty));
                continue;
            }

            string value;
            if (eq > 0)
            {
                value = arg[(eq + 1)..];
            }
            else if (i + 1 < args.Count && args[i + 1] != "--")
            {
                value = args[++i];
            }
            else
            {
                error = string.Create(CultureInfo.InvariantCulture, $"option '{spec.Name}' needs a value ({spec.Name} {spec.ValueName})");
                return false;
            }

            parsed.Options.Add(new(spec.Name, value));
        }

        return true;
    }

    /// <summary>"--service_name" and "--Service-Name" are "--service-name".</summary>
    internal static string Canonical(string option)
    {
        if (!option.StartsWith("--", StringComparison.Ordinal))
        {
            return option;
        }

        return option.Replace('_', '-').ToLowerInvariant();
    }

    /// <summary>The valid name closest to <paramref name="given"/> (edit distance).</summary>
    internal static string Closest(string given, IEnumerable<string> candidates)
    {
        var best = string.Empty;
        var bestDistance = int.MaxValue;
        foreach (var candidate in candidates)
        {
            var distance = Distance(given, candidate);
            if (distance < bestDistance)
            {
                best = candidate;
                bestDistance = distance;
            }
        }

        return best;
    }

    internal static int Distance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
            }

            (previous, current) = (current, previous);
        }

        return previous[b.Length];
    }

    private static OptionSpec? Find(IReadOnlyList<OptionSpec> specs, string name)
    {
        foreach (var spec in specs)
        {
            if (spec.Name == name)
            {
                return spec;
            }
        }

        return null;
    }

    private static string UnknownOption(string given, IReadOnlyList<OptionSpec> specs)
    {
        var names = new List<string>(specs.Count + 1);
        foreach (var spec in specs)
        {
            names.Add(spec.Name);
        }

        names.Add(HelpOption);
        var closest = Closest(Canonical(given), names);
        return string.Create(CultureInfo.InvariantCulture, $"unknown option '{given}'; did you mean '{closest}'?");
    }
}
