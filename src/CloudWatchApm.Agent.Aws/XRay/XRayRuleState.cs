// The live side of one sampling rule: its per-second reservoir, the target X-Ray assigned to
// this client, and the counts reported back to SamplingTargets.
//
// Decision for a matching request, as the X-Ray SDKs make it:
// 1. While a target's quota is valid (before ReservoirQuotaTTL), take up to ReservoirQuota
//    requests per second.
// 2. Before the first target arrives, or after its quota expired, "borrow" one request per
//    second (only for rules with a reservoir), so a new client records something at once.
// 3. Otherwise sample FixedRate of requests (the target's rate once one arrived).
using System.Diagnostics;
using OpenTelemetry.Trace;

namespace CloudWatchApm.Agent.Aws.XRay;

internal sealed class XRayRuleState
{
    private readonly object _sync = new();

    // Guarded by _sync: the reservoir window and the target.
    private long _second = long.MinValue;
    private int _takenThisSecond;
    private bool _hasQuota;
    private int _quota;
    private DateTimeOffset _quotaExpiresAt;
    private double _fixedRate;
    private DateTimeOffset _nextReportAt;

    private long _requestCount;
    private long _sampledCount;
    private long _borrowCount;

    internal XRayRuleState(XRaySamplingRule rule)
    {
        Rule = rule;
        _fixedRate = rule.FixedRate;
    }

    internal XRaySamplingRule Rule { get; }

    internal SamplingDecision Sample(ActivityTraceId traceId, DateTimeOffset now)
    {
        Interlocked.Increment(ref _requestCount);
        var second = now.ToUnixTimeSeconds();
        bool fromReservoir;
        var borrowed = false;
        double fixedRate;
        lock (_sync)
        {
            if (second != _second)
            {
                _second = second;
                _takenThisSecond = 0;
            }

            fixedRate = _fixedRate;
            if (_hasQuota && now < _quotaExpiresAt)
            {
                fromReservoir = _takenThisSecond < _quota;
            }
            else
            {
                fromReservoir = Rule.ReservoirSize > 0 && _takenThisSecond < 1;
                borrowed = fromReservoir;
            }

            if (fromReservoir)
            {
                _takenThisSecond++;
            }
        }

        if (!fromReservoir && !XRayRatio.IsSampled(traceId, fixedRate))
        {
            return SamplingDecision.Drop;
        }

        Interlocked.Increment(ref _sampledCount);
        if (borrowed)
        {
            Interlocked.Increment(ref _borrowCount);
        }

        return SamplingDecision.RecordAndSample;
    }

    /// <summary>Applies one SamplingTargetDocument. Missing fields leave the current values alone.</summary>
    internal void ApplyTarget(XRaySamplingTarget target, DateTimeOffset now)
    {
        lock (_sync)
        {
            if (target.FixedRate is { } rate && rate is >= 0 and <= 1)
            {
                _fixedRate = rate;
            }

            if (target.ReservoirQuota is { } quota && quota >= 0)
            {
                _hasQuota = true;
                _quota = quota;

                // Without a TTL the quota holds until the next target replaces it.
                _quotaExpiresAt = target.ReservoirQuotaTtl ?? DateTimeOffset.MaxValue;
            }

            if (target.IntervalSeconds is { } interval && interval > 0)
            {
                _nextReportAt = now.AddSeconds(interval);
            }
        }
    }

    /// <summary>X-Ray may stretch a rule's reporting interval; until then the rule is left out of SamplingTargets.</summary>
    internal bool IsReportDue(DateTimeOffset now)
    {
        lock (_sync)
        {
            return now >= _nextReportAt;
        }
    }

    internal XRaySamplingStatistics TakeStatistics()
        => new(
            Rule.RuleName,
            Interlocked.Exchange(ref _requestCount, 0),
            Interlocked.Exchange(ref _sampledCount, 0),
            Interlocked.Exchange(ref _borrowCount, 0));

    /// <summary>Moves the unreported counts of a replaced rule into this one, so a rule edit loses no requests.</summary>
    internal void AddStatistics(in XRaySamplingStatistics statistics)
    {
        Interlocked.Add(ref _requestCount, statistics.RequestCount);
        Interlocked.Add(ref _sampledCount, statistics.SampledCount);
        Interlocked.Add(ref _borrowCount, statistics.BorrowCount);
    }
}

