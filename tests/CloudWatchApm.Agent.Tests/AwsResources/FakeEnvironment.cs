// Environment variables as a dictionary, so detector tests never touch the process
// environment and can run in parallel.
namespace CloudWatchApm.Agent.Tests.AwsResources;

internal sealed class FakeEnvironment
{
    private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);

    internal FakeEnvironment Set(string name, string value)
    {
        _values[name] = value;
        return this;
    }

    internal string? Get(string name) => _values.TryGetValue(name, out var value) ? value : null;
}
