// OTEL_AWS_HTTP_OPERATION_PATHS: path templates such as "/api/users/{userId}/orders". A server
// span's url.path takes the operation of the longest template (most segments) whose segments
// match its leading segments; "{name}", ":name" and "*" match any one segment. Matching works
// on spans of the path, without allocating.
namespace CloudWatchApm.Agent.Aws.ApplicationSignals;

internal sealed class OperationPaths
{
    private readonly (string Template, string[] Segments)[] _templates;

    internal OperationPaths(IEnumerable<string> templates)
    {
        var list = new List<(string, string[])>();
        foreach (var raw in templates)
        {
            var template = raw.Trim();
            if (template.Length == 0 || template[0] != '/')
            {
                continue;
            }

            template = template.Length > 1 ? template.TrimEnd('/') : template;
            list.Add((template, template.Split('/', StringSplitOptions.RemoveEmptyEntries)));
        }

        // Longest first, so the first match is the most specific one.
        list.Sort((a, b) => b.Item2.Length.CompareTo(a.Item2.Length));
        _templates = [.. list];
    }

    internal static OperationPaths Empty { get; } = new([]);

    internal bool IsEmpty => _templates.Length == 0;

    /// <summary>The template that matches <paramref name="path"/> (query ignored), or null.</summary>
    internal string? Match(ReadOnlySpan<char> path)
    {
        var query = path.IndexOfAny('?', '#');
        if (query >= 0)
        {
            path = path[..query];
        }

        foreach (var (template, segments) in _templates)
        {
            if (Matches(path, segments))
            {
                return template;
            }
        }

        return null;
    }

    private static bool Matches(ReadOnlySpan<char> path, string[] segments)
    {
        var rest = path;
        foreach (var expected in segments)
        {
            rest = rest.TrimStart('/');
            if (rest.Length == 0)
            {
                return false;
            }

            var end = rest.IndexOf('/');
            var actual = end < 0 ? rest : rest[..end];
            if (!IsWildcard(expected) && !actual.Equals(expected, StringComparison.Ordinal))
            {
                return false;
            }

            rest = end < 0 ? [] : rest[end..];
        }

        return true;
    }

    private static bool IsWildcard(string segment)
        => segment == "*" || segment[0] == ':' || (segment.Length >= 2 && segment[0] == '{' && segment[^1] == '}');
}
