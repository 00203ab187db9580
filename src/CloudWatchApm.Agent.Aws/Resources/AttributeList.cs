// Collects resource attributes, dropping missing or blank values so that a half-answered
// metadata document yields fewer attributes instead of empty strings.
using OpenTelemetry.Resources;

namespace CloudWatchApm.Agent.Aws.Resources;

internal sealed class AttributeList
{
    private readonly List<KeyValuePair<string, object>> _items = [];

    internal int Count => _items.Count;

    internal void Add(string key, string? value)
    {
        if (!string.IsNullOrWhiteSpace(value))
        {
            _items.Add(new KeyValuePair<string, object>(key, value));
        }
    }

    internal void Add(string key, long value) => _items.Add(new KeyValuePair<string, object>(key, value));

    internal void Add(string key, string[] values)
    {
        if (values.Length > 0)
        {
            _items.Add(new KeyValuePair<string, object>(key, values));
        }
    }

    internal Resource ToResource() => _items.Count == 0 ? Resource.Empty : new Resource(_items);
}
