// Forwards the OpenTelemetry SDK's own EventSource diagnostics (export failures, dropped
// items, invalid options) into the agent log, so "nothing arrives" has an answer in one file.
// Only OpenTelemetry-* sources are enabled, at Warning unless the agent log is at debug.
using System.Diagnostics.Tracing;
using System.Text;

namespace CloudWatchApm.Agent.Diagnostics;

internal sealed class SdkEventListener : EventListener
{
    private readonly EventLevel _level;
    private long _written;

    internal SdkEventListener(bool verbose)
    {
        _level = verbose ? EventLevel.Verbose : EventLevel.Warning;
        foreach (var source in EventSource.GetSources())
        {
            OnEventSourceCreated(source);
        }
    }

    /// <summary>Lines written so far (tests and the shutdown summary read it).</summary>
    internal long Written => Interlocked.Read(ref _written);

    protected override void OnEventSourceCreated(EventSource eventSource)
    {
        // Called from the base constructor before _level is set; the constructor replays.
        if (eventSource.Name.StartsWith("OpenTelemetry-", StringComparison.Ordinal) && _level != 0)
        {
            EnableEvents(eventSource, _level, EventKeywords.All);
        }
    }

    protected override void OnEventWritten(EventWrittenEventArgs eventData)
    {
        try
        {
            // Throttle: a collector that is down for hours must not fill the disk.
            if (Interlocked.Increment(ref _written) > 10_000 && eventData.Level > EventLevel.Error)
            {
                return;
            }

            var message = Format(eventData);
            var level = eventData.Level;
            if (message.Contains("Instrument belongs to a Meter not subscribed", StringComparison.Ordinal))
            {
                // Every meter the agent does not listen to says so once; that is not a problem.
                level = EventLevel.Verbose;
            }

            switch (level)
            {
                case EventLevel.Critical:
                case EventLevel.Error:
                    AgentLog.Error(message);
                    break;
                case EventLevel.Warning:
                    AgentLog.Warn(message);
                    break;
                default:
                    AgentLog.Debug(message);
                    break;
            }
        }
        catch
        {
            // Diagnostics must never fail the caller.
        }
    }

    private static string Format(EventWrittenEventArgs e)
    {
        var sb = new StringBuilder();
        sb.Append(e.EventSource.Name).Append(": ");
        if (e.Message is { Length: > 0 } template && e.Payload is { Count: > 0 } payload)
        {
            try
            {
                var args = new object?[payload.Count];
                for (var i = 0; i < payload.Count; i++)
                {
                    args[i] = payload[i];
                }

                sb.Append(string.Format(System.Globalization.CultureInfo.InvariantCulture, template, args));
                return sb.ToString();
            }
            catch (FormatException)
            {
                // Fall through to the raw form.
            }
        }

        sb.Append(e.EventName);
        if (e.Payload is { Count: > 0 })
        {
            sb.Append(' ').Append(string.Join(", ", e.Payload));
        }

        return sb.ToString();
    }
}
