// Real activities of any kind, with tags and parents, for the Application Signals tests.
using System.Diagnostics;

namespace CloudWatchApm.Agent.Tests.Aws.ApplicationSignals;

internal sealed class SpanFactory : IDisposable
{
    private readonly ActivitySource _source = new("ApplicationSignalsTests." + Guid.NewGuid().ToString("N"));
    private readonly ActivityListener _listener;

    internal SpanFactory()
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = s => s == _source,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
        };
        ActivitySource.AddActivityListener(_listener);
    }

    internal static ActivityContext RemoteParent => new(ActivityTraceId.CreateRandom(), ActivitySpanId.CreateRandom(), ActivityTraceFlags.Recorded, isRemote: true);

    internal Activity Start(string name, ActivityKind kind, params (string Key, object? Value)[] tags) => Start(name, kind, default, tags);

    internal Activity Start(string name, ActivityKind kind, ActivityContext parent, params (string Key, object? Value)[] tags)
    {
        var activity = _source.StartActivity(name, kind, parent)!;
        foreach (var (key, value) in tags)
        {
            activity.SetTag(key, value);
        }

        return activity;
    }

    public void Dispose()
    {
        _listener.Dispose();
        _source.Dispose();
    }
}
