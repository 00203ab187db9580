// The one way a detector reports why it skipped or failed. The agent passes a callback that
// writes to its own log; a callback that throws must not turn a skipped detector into a
// crashed application, so every call is guarded.
namespace CloudWatchApm.Agent.Aws.Resources;

internal sealed class DetectorLog
{
    private readonly string _prefix;
    private readonly Action<string>? _sink;

    internal DetectorLog(string detectorId, Action<string>? sink)
        : this(sink, "AWS resource detector " + detectorId + ": ")
    {
    }

    private DetectorLog(Action<string>? sink, string prefix)
    {
        _prefix = prefix;
        _sink = sink;
    }

    /// <summary>For lines about detection as a whole rather than one detector.</summary>
    internal static DetectorLog ForDetection(Action<string>? sink) => new(sink, "AWS resource detection: ");

    internal void Write(string message)
    {
        if (_sink is null)
        {
            return;
        }

        try
        {
            _sink(_prefix + message);
        }
        catch
        {
            // Logging is best effort; losing a line beats failing startup.
        }
    }
}
