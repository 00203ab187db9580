// The request facts sampling rules look at, read from the attributes a span carries when it
// starts. Current semantic conventions first, the older names as fallback, because
// instrumentations in the field emit either. One pass over the tags, no allocations: values
// are slices of the tag strings.
namespace CloudWatchApm.Agent.Aws.XRay;

internal readonly ref struct XRaySpanFacts
{
    private XRaySpanFacts(ReadOnlySpan<char> httpMethod, ReadOnlySpan<char> urlPath, ReadOnlySpan<char> host)
    {
        HttpMethod = httpMethod;
        UrlPath = urlPath;
        Host = host;
    }

    internal ReadOnlySpan<char> HttpMethod { get; }

    internal ReadOnlySpan<char> UrlPath { get; }

    internal ReadOnlySpan<char> Host { get; }

    internal static XRaySpanFacts From(IEnumerable<KeyValuePair<string, object?>>? tags)
    {
        string? method = null;
        string? legacyMethod = null;
        string? path = null;
        string? target = null;
        string? fullUrl = null;
        string? legacyUrl = null;
        string? serverAddress = null;
        string? legacyHost = null;

        if (tags is IReadOnlyList<KeyValuePair<string, object?>> list)
        {
            for (var i = 0; i < list.Count; i++)
            {
                Consider(list[i]);
            }
        }
        else if (tags is not null)
        {
            foreach (var tag in tags)
            {
                Consider(tag);
            }
        }

        return new XRaySpanFacts(
            method ?? legacyMethod,
            path is not null ? path.AsSpan() : target is not null ? StripQuery(target) : PathOfUrl(fullUrl ?? legacyUrl),
            serverAddress ?? legacyHost);

        void Consider(KeyValuePair<string, object?> tag)
        {
            if (tag.Value is not string value)
            {
                return;
            }

            switch (tag.Key)
            {
                case "http.request.method":
                    method = value;
                    break;
                case "http.method":
                    legacyMethod = value;
                    break;
                case "url.path":
                    path = value;
                    break;
                case "http.target":
                    target = value;
                    break;
                case "url.full":
                    fullUrl = value;
                    break;
                case "http.url":
                    legacyUrl = value;
                    break;
                case "server.address":
                    serverAddress = value;
                    break;
                case "http.host":
                    legacyHost = value;
                    break;
                default:
                    break;
            }
        }
    }

    internal static bool TryGetTag(IEnumerable<KeyValuePair<string, object?>>? tags, string key, out object? value)
    {
        if (tags is IReadOnlyList<KeyValuePair<string, object?>> list)
        {
            for (var i = 0; i < list.Count; i++)
            {
                if (list[i].Key == key)
                {
                    value = list[i].Value;
                    return true;
                }
            }
        }
        else if (tags is not null)
        {
            foreach (var tag in tags)
            {
                if (tag.Key == key)
                {
                    value = tag.Value;
                    return true;
                }
            }
        }

        value = null;
        return false;
    }

    private static ReadOnlySpan<char> StripQuery(string target)
    {
        var span = target.AsSpan();
        var end = span.IndexOfAny('?', '#');
        return end < 0 ? span : span[..end];
    }

    private static ReadOnlySpan<char> PathOfUrl(string? url)
    {
        if (url is null)
        {
            return default;
        }

        var span = url.AsSpan();
        var scheme = span.IndexOf("://", StringComparison.Ordinal);
        if (scheme < 0)
        {
            return default;
        }

        var afterAuthority = span[(scheme + 3)..];
        var slash = afterAuthority.IndexOfAny('/', '?', '#');
        if (slash < 0 || afterAuthority[slash] != '/')
        {
            return "/";
        }

        var path = afterAuthority[slash..];
        var end = path.IndexOfAny('?', '#');
        return end < 0 ? path : path[..end];
    }
}
