// Seam over the process environment so that settings can be tested without touching it.
using System.Collections;

namespace CloudWatchApm.Agent.Configuration;

internal interface IEnvironment
{
    string? Get(string name);

    IEnumerable<string> Names();
}

internal sealed class ProcessEnvironment : IEnvironment
{
    internal static readonly ProcessEnvironment Instance = new();

    public string? Get(string name) => Environment.GetEnvironmentVariable(name);

    public IEnumerable<string> Names()
    {
        foreach (DictionaryEntry entry in Environment.GetEnvironmentVariables())
        {
            if (entry.Key is string key)
            {
                yield return key;
            }
        }
    }
}

internal sealed class DictionaryEnvironment(IReadOnlyDictionary<string, string?> values) : IEnvironment
{
    public string? Get(string name) => values.TryGetValue(name, out var v) ? v : null;

    public IEnumerable<string> Names() => values.Keys;
}
