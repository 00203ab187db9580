// A clock the test moves by hand; reservoirs, quota TTLs and rule expiry follow it exactly.
using CloudWatchApm.Agent.Aws.XRay;

namespace CloudWatchApm.Agent.Tests.Aws.XRay;

internal sealed class FakeClock : XRayClock
{
    private readonly object _sync = new();
    private DateTimeOffset _now;

    internal FakeClock(DateTimeOffset start)
    {
        _now = start;
    }

    internal static DateTimeOffset DefaultStart { get; } = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);

    internal override DateTimeOffset UtcNow
    {
        get
        {
            lock (_sync)
            {
                return _now;
            }
        }
    }

    internal void Advance(TimeSpan by)
    {
        lock (_sync)
        {
            _now += by;
        }
    }
}
