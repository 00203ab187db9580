// What `cwapm run` sets and `cwapm env` prints: the OTEL flags laid over a baseline, then the
// loading variables for the home. Shared so that the two can never disagree.
namespace CloudWatchApm.Cli.Commands;

internal static class InstrumentedEnvironment
{
    /// <summary>
    /// The variables to set, loading variables first. <paramref name="baseline"/> is what the
    /// target environment already holds (the current one for `run` and shell formats,
    /// nothing for files and containers).
    /// </summary>
    internal static bool TryBuild(
        string home,
        ParsedArgs parsed,
        Func<string, string?> baseline,
        out List<KeyValuePair<string, string>> variables,
        out string? error)
    {
        variables = [];
        if (!OtelOptions.TryApply(parsed, baseline, out var flagged, out error))
        {
            return false;
        }

        string? Lookup(string key)
        {
            var index = flagged.FindIndex(v => v.Key == key);
            return index >= 0 ? flagged[index].Value : baseline(key);
        }

        var loading = InstrumentingVariables.For(home, Lookup);
        variables.AddRange(loading);
        foreach (var pair in flagged)
        {
            if (!loading.Exists(l => l.Key == pair.Key))
            {
                variables.Add(pair);
            }
        }

        return true;
    }
}
