// Parsing rules shared by every variable: an empty value is unset; booleans are
// case-insensitive true/false; enums are case-insensitive; numbers are invariant-culture,
// non-negative integers. Anything else is recorded as a problem (name, value, what is
// accepted) and the default is kept. Nothing here throws.
using System.Globalization;

namespace CloudWatchApm.Agent.Configuration;

internal sealed class SettingsReader(IEnvironment environment)
{
    private readonly List<string> _problems = [];

    internal IReadOnlyList<string> Problems => _problems;

    internal IEnvironment Environment => environment;

    /// <summary>The trimmed value, or null when unset or empty.</summary>
    internal string? GetString(string name)
    {
        var value = environment.Get(name);
        if (value is null)
        {
            return null;
        }

        value = value.Trim();
        return value.Length == 0 ? null : value;
    }

    internal bool GetBool(string name, bool defaultValue)
    {
        var value = GetString(name);
        if (value is null)
        {
            return defaultValue;
        }

        if (string.Equals(value, "true", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        if (string.Equals(value, "false", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        Problem(name, value, "true or false", defaultValue ? "true" : "false");
        return defaultValue;
    }

    internal bool? GetOptionalBool(string name)
    {
        var value = GetString(name);
        if (value is null)
        {
            return null;
        }

        if (string.Equals(value, "true", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        if (string.Equals(value, "false", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        Problem(name, value, "true or false", "unset");
        return null;
    }

    /// <summary>A non-negative integer (milliseconds, sizes, counts).</summary>
    internal int GetInt(string name, int defaultValue, int minimum = 0)
    {
        var value = GetString(name);
        if (value is null)
        {
            return defaultValue;
        }

        if (int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var parsed) && parsed >= minimum)
        {
            return parsed;
        }

        Problem(name, value, minimum == 0 ? "a non-negative integer" : "an integer of at least " + minimum.ToString(CultureInfo.InvariantCulture), defaultValue.ToString(CultureInfo.InvariantCulture));
        return defaultValue;
    }

    internal int? GetOptionalInt(string name, int minimum = 0)
    {
        var value = GetString(name);
        if (value is null)
        {
            return null;
        }

        if (int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var parsed) && parsed >= minimum)
        {
            return parsed;
        }

        Problem(name, value, "a non-negative integer", "unset");
        return null;
    }

    /// <summary>One value of a fixed set, case-insensitive; returns the canonical lowercase spelling.</summary>
    internal string GetEnum(string name, string defaultValue, params string[] accepted)
    {
        var value = GetString(name);
        if (value is null)
        {
            return defaultValue;
        }

        foreach (var candidate in accepted)
        {
            if (string.Equals(value, candidate, StringComparison.OrdinalIgnoreCase))
            {
                return candidate;
            }
        }

        Problem(name, value, string.Join(", ", accepted), defaultValue);
        return defaultValue;
    }

    /// <summary>A comma list, each entry trimmed, empties dropped, duplicates removed (first wins).</summary>
    internal List<string> GetList(string name)
    {
        var result = new List<string>();
        var value = GetString(name);
        if (value is null)
        {
            return result;
        }

        foreach (var part in value.Split(','))
        {
            var item = part.Trim();
            if (item.Length > 0 && !result.Contains(item, StringComparer.OrdinalIgnoreCase))
            {
                result.Add(item);
            }
        }

        return result;
    }

    internal void Problem(string name, string value, string accepted, string used)
        => Problem($"{name}='{Redact(name, value)}' is not valid (accepted: {accepted}); using {used}");

    internal void Problem(string message)
    {
        // A generic variable read for three signals is one problem, not three.
        if (!_problems.Contains(message))
        {
            _problems.Add(message);
        }
    }

    /// <summary>Header values are secrets; so are keys. Never echo them.</summary>
    internal static string Redact(string name, string value)
        => name.Contains("HEADERS", StringComparison.Ordinal) || name.Contains("KEY", StringComparison.Ordinal) ? "<redacted>" : value;
}
