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

        Problem(name, value, string.Join(", ", accepted), defaultValue, accepted);
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

    internal void Problem(string name, string value, string accepted, string used, IReadOnlyList<string>? candidates = null)
        => Problem($"{name}='{Redact(name, value)}' is not valid (accepted: {accepted}{Suggestion(name, value, candidates)}); using {used}");

    /// <summary>One entry of a comma list that is not valid; the other entries are kept.</summary>
    internal void ItemProblem(string name, string item, IReadOnlyList<string> accepted)
        => Problem($"{name} has '{Redact(name, item)}', which is not valid (accepted: {string.Join(", ", accepted)}{Suggestion(name, item, accepted)}); it is skipped");

    internal void Problem(string message)
    {
        // A generic variable read for three signals is one problem, not three.
        if (!_problems.Contains(message))
        {
            _problems.Add(message);
        }
    }

    /// <summary>"; did you mean 'grpc'?" for a near miss (a typo or two, a swapped pair), else nothing.</summary>
    internal static string Suggestion(string name, string value, IReadOnlyList<string>? candidates)
    {
        if (candidates is null || Redact(name, value) != value)
        {
            return string.Empty;
        }

        var typed = value.Trim().ToLowerInvariant();
        string? best = null;
        var bestDistance = int.MaxValue;
        foreach (var candidate in candidates)
        {
            var distance = Distance(typed, candidate);
            if (distance < bestDistance)
            {
                (best, bestDistance) = (candidate, distance);
            }
        }

        return best is not null && bestDistance is > 0 and <= 2 && bestDistance * 2 < typed.Length ? "; did you mean '" + best + "'?" : string.Empty;
    }

    /// <summary>Edit distance counting an adjacent swap as one edit (optimal string alignment).</summary>
    private static int Distance(string a, string b)
    {
        if (Math.Abs(a.Length - b.Length) > 2 || a.Length > 64 || b.Length > 64)
        {
            return int.MaxValue;
        }

        var d = new int[a.Length + 1, b.Length + 1];
        for (var i = 0; i <= a.Length; i++)
        {
            d[i, 0] = i;
        }

        for (var j = 0; j <= b.Length; j++)
        {
            d[0, j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                {
                    d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
                }
            }
        }

        return d[a.Length, b.Length];
    }

    /// <summary>Header values are secrets; so are keys. Never echo them.</summary>
    internal static string Redact(string name, string value)
        => name.Contains("HEADERS", StringComparison.Ordinal) || name.Contains("KEY", StringComparison.Ordinal) ? "<redacted>" : value;
}
