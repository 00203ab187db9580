// ASP.NET Core server spans. Its own assembly so that the ASP.NET Core framework is only
// needed (and loaded) when the application actually runs on ASP.NET Core.
using System.Diagnostics;
using Microsoft.AspNetCore.Http;
using OpenTelemetry.Trace;

namespace CloudWatchApm.Agent.AspNetCore;

internal static class AspNetCoreSetup
{
    /// <summary>Adds server spans; the named request and response headers become span attributes.</summary>
    internal static void AddTracing(TracerProviderBuilder builder, IReadOnlyList<string> requestHeaders, IReadOnlyList<string> responseHeaders)
    {
        var request = Normalize(requestHeaders);
        var response = Normalize(responseHeaders);
        builder.AddAspNetCoreInstrumentation(o =>
        {
            o.RecordException = true;
            if (request.Length > 0)
            {
                o.EnrichWithHttpRequest = (activity, r) => Capture(activity, "http.request.header.", request, r.Headers);
            }

            if (response.Length > 0)
            {
                o.EnrichWithHttpResponse = (activity, r) => Capture(activity, "http.response.header.", response, r.Headers);
            }
        });
    }

    private static (string Name, string Tag)[] Normalize(IReadOnlyList<string> names)
        => [.. names.Select(n => (n, n.ToLowerInvariant()))];

    private static void Capture(Activity activity, string prefix, (string Name, string Tag)[] names, IHeaderDictionary headers)
    {
        foreach (var (name, tag) in names)
        {
            if (headers.TryGetValue(name, out var values) && values.Count > 0)
            {
                // Semantic conventions: one string-array attribute per captured header.
                activity.SetTag(prefix + tag, values.ToArray());
            }
        }
    }
}
