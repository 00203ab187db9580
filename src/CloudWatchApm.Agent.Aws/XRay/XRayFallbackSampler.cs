// What the remote sampler does while it has no usable rules (none fetched yet, or the last
// good fetch is more than an hour old): one request per second plus 5% of the rest, the
// X-Ray SDKs' default rule, so an unreachable sampling endpoint neither floods nor blinds.
using System.Diagnostics;
using OpenTelemetry.Trace;

namespace CloudWatchApm.Agent.Aws.XRay;

internal sealed class XRayFallbackSampler
{
    internal const int RequestsPerSecond = 1;
    internal const double FixedRate = 0.05;

    private readonly object _sync = new();
    private long _second = long.MinValue;
    private int _takenThisSecond;

    internal SamplingDecision Sample(ActivityTraceId traceId, DateTimeOffset now)
    {
        var second = now.ToUnixTimeSeconds();
        lock (_sync)
        {
            if (second != _second)
            {
                _second = second;
                _takenThisSecond = 0;
            }

            if (_takenThisSecond < RequestsPerSecond)
            {
                _takenThisSecond++;
                return SamplingDecision.RecordAndSample;
            }
        }

        return XRayRatio.IsSampled(traceId, FixedRate) ? SamplingDecision.RecordAndSample : SamplingDecision.Drop;
    }
}
