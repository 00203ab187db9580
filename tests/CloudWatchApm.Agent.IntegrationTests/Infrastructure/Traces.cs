// Assertions over received spans that several tests share.
using CloudWatchApm.Agent.IntegrationTests.Collector;
using Xunit;

namespace CloudWatchApm.Agent.IntegrationTests.Infrastructure;

internal static class Traces
{
    internal static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    /// <summary>
    /// /call on the web app: server span "GET /call" -> client span -> server span
    /// "GET /users/{id}", one trace, each the parent of the next.
    /// </summary>
    internal static async Task<IReadOnlyList<ReceivedSpan>> AssertCallTraceAsync(MockCollector collector, string serviceName)
    {
        var spans = await collector.WaitForSpansAsync(
            s => s.Any(x => x.Name == "GET /call") && s.Any(x => x.Name == "GET /users/{id}") && s.Any(x => x.Kind == OtlpSpanKind.Client),
            Wait);
        var call = Assert.Single(spans, s => s.Name == "GET /call");
        Assert.Equal(OtlpSpanKind.Server, call.Kind);
        Assert.Equal("/call", call.Attributes["http.route"]);
        Assert.Equal(serviceName, call.ResourceAttributes["service.name"]);
        var client = Assert.Single(spans, s => s.Kind == OtlpSpanKind.Client && s.ParentSpanId == call.SpanId);
        Assert.Equal(call.TraceId, client.TraceId);
        var users = Assert.Single(spans, s => s.Name == "GET /users/{id}");
        Assert.Equal(client.SpanId, users.ParentSpanId);
        Assert.Equal(call.TraceId, users.TraceId);
        Assert.Equal("/users/{id}", users.Attributes["http.route"]);
        Assert.Equal("cloudwatch-apm-dotnet", call.ResourceAttributes["telemetry.distro.name"]);
        Assert.True(call.ResourceAttributes.ContainsKey("telemetry.distro.version"));
        Assert.Equal("opentelemetry", call.ResourceAttributes["telemetry.sdk.name"]);
        Assert.Equal("dotnet", call.ResourceAttributes["telemetry.sdk.language"]);
        return spans;
    }

    /// <summary>Each span id arrives once: nothing was exported twice.</summary>
    internal static void AssertNoDuplicates(IReadOnlyList<ReceivedSpan> spans)
    {
        var duplicates = spans.GroupBy(s => s.SpanId).Where(g => g.Count() > 1).Select(g => g.First().Name).ToList();
        Assert.True(duplicates.Count == 0, "spans exported more than once: " + string.Join(", ", duplicates));
    }
}
