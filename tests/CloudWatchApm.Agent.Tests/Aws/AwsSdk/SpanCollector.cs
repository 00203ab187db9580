// Collects the spans that end in a test's tracer provider.
using System.Collections.Concurrent;
using System.Diagnostics;
using OpenTelemetry;

namespace CloudWatchApm.Agent.Tests.Aws.AwsSdk;

internal sealed class SpanCollector : BaseProcessor<Activity>
{
    private readonly ConcurrentQueue<Activity> _ended = new();

    internal IReadOnlyList<Activity> Ended => [.. _ended];

    public override void OnEnd(Activity data) => _ended.Enqueue(data);

    internal IReadOnlyList<Activity> InTrace(ActivityTraceId traceId) => [.. _ended.Where(a => a.TraceId == traceId)];
}
