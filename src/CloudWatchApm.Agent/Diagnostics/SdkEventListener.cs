// Forwards the OpenTelemetry SDK's own EventSource diagnostics (export failures, dropped
// items, invalid options) into the agent log, so "nothing arrives" has an answer in one file.
// Only OpenTelemetry-* sources are enabled, at Warning unless the agent log is at debug.
using System.Diagnostics.Tracing;
using System.Text;

namespace CloudWatchApm.Agent.Diagnostics;

internal sealed class SdkEventListener : EventListener
{
    private const string SdkSource = "OpenTelemetry-Sdk";
    private const string OtlpExporterSource = "OpenTelemetry-Exporter-OpenTelemetryProtocol";
    private const int DroppedItemsEventId = 32; // "'{0}' exporting to '{1}' dropped '{2}' item(s) due to buffer full."

    private readonly EventLevel _level;
    private long _written;
    private long _droppedSpans;
    private long _droppedOther;
    private long _exportProblems;

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

    /// <summary>
    /// What the shutdown line adds when telemetry was lost on the way (empty when none was):
    /// items the batch processors dropped because their queue was full (the SDK reports those
    /// at shutdown), and how many warnings and errors the OTLP exporter reported (the items in
    /// a failed export are lost without a drop count).
    /// </summary>
    internal string DescribeLosses()
    {
        var spans = Interlocked.Read(ref _droppedSpans);
        var other = Interlocked.Read(ref _droppedOther);
        var exports = Interlocked.Read(ref _exportProblems);
        var text = string.Empty;
        if (spans + other > 0)
        {
            text += $"; dropped because the export queue was full: {spans} span(s), {other} other item(s)";
        }

        if (exports > 0)
        {
            text += $"; the OTLP exporter reported {exports} failed or retried export(s): what they held may be lost (see the WARN/ERROR lines; `cwapm doctor` checks the collector)";
        }

        return text;
    }

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
            if (eventData.EventId == DroppedItemsEventId && eventData.EventSource.Name == SdkSource)
            {
                CountDropped(eventData);
            }
            else if (eventData.Level is > 0 and <= EventLevel.Warning && eventData.EventSource.Name == OtlpExporterSource)
            {
                // Spans and records in a failed export are lost without a drop count; at least
                // say how often exporting went wrong (the lines themselves are throttled below).
                Interlocked.Increment(ref _exportProblems);
            }

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

    private void CountDropped(EventWrittenEventArgs e)
    {
        if (e.Payload is not { Count: >= 3 } payload || payload[2] is not long count || count <= 0)
        {
            return;
        }

        var processor = payload[0] as string ?? string.Empty;
        if (processor.Contains("Activity", StringComparison.Ordinal))
        {
            Interlocked.Add(ref _droppedSpans, count);
            AgentLog.Warn($"{count} span(s) were dropped because the export queue was full: the collector was slow or unreachable, or the application made spans faster than they could be exported. Raise OTEL_BSP_MAX_QUEUE_SIZE (and OTEL_BSP_MAX_EXPORT_BATCH_SIZE), or sample less (OTEL_TRACES_SAMPLER_ARG)");
        }
        else
        {
            Interlocked.Add(ref _droppedOther, count);
            if (processor.Contains("LogRecord", StringComparison.Ordinal))
            {
                AgentLog.Warn($"{count} log record(s) were dropped because the export queue was full; raise OTEL_BLRP_MAX_QUEUE_SIZE or lower the application's log level");
            }
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
