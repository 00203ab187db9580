// A cache key made of a string and a slice of another string, compared by content, so a cache
// can be probed with part of a tag value (the first segment of a URL path) without cutting it
// out into a new string first.
namespace CloudWatchApm.Agent.Aws.ApplicationSignals;

internal readonly struct TextKey : IEquatable<TextKey>
{
    private readonly string? _first;
    private readonly string _text;
    private readonly int _start;
    private readonly int _length;

    internal TextKey(string? first, string text, int start = 0, int length = -1)
    {
        _first = first;
        _text = text;
        _start = start;
        _length = length < 0 ? text.Length - start : length;
    }

    internal ReadOnlySpan<char> Text => _text.AsSpan(_start, _length);

    public bool Equals(TextKey other)
        => string.Equals(_first, other._first, StringComparison.Ordinal) && Text.SequenceEqual(other.Text);

    public override bool Equals(object? obj) => obj is TextKey other && Equals(other);

    public override int GetHashCode() => HashCode.Combine(_first is null ? 0 : string.GetHashCode(_first, StringComparison.Ordinal), string.GetHashCode(Text, StringComparison.Ordinal));
}
