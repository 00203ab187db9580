// "--name value" command-line options of the harness commands; a bad number is an error
// that names the option, not a stack trace.
using System.Globalization;

namespace CloudWatchApm.Agent.Benchmarks.Harness;

internal sealed class Options
{
    private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);

    internal Options(IEnumerable<string> args)
    {
        string? name = null;
        foreach (var arg in args)
        {
            if (arg.StartsWith("--", StringComparison.Ordinal))
            {
                if (name is not null)
                {
                    _values[name] = "true";
                }

                name = arg[2..];
            }
            else if (name is not null)
            {
                _values[name] = arg;
                name = null;
            }
            else
            {
                throw new ArgumentException($"unexpected argument '{arg}' (options are --name value)");
            }
        }

        if (name is not null)
        {
            _values[name] = "true";
        }
    }

    internal string? Get(string name) => _values.TryGetValue(name, out var value) ? value : null;

    internal string Require(string name) => Get(name) ?? throw new ArgumentException($"--{name} is required");

    internal bool Flag(string name) => Get(name) is "true" or "1";

    internal int Int(string name, int fallback) => Get(name) is { } text
        ? int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value : throw new ArgumentException($"--{name} '{text}' is not a whole number")
        : fallback;

    internal double Double(string name, double fallback) => Get(name) is { } text
        ? double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) ? value : throw new ArgumentException($"--{name} '{text}' is not a number")
        : fallback;
}
