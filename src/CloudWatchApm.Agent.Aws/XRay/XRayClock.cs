// Time seam for the X-Ray id generator and sampler. Reservoirs, quota TTLs and the rule
// cache expiry all depend on "now"; tests substitute a fake so they never sleep.
namespace CloudWatchApm.Agent.Aws.XRay;

internal abstract class XRayClock
{
    internal static XRayClock Default { get; } = new SystemClock();

    internal abstract DateTimeOffset UtcNow { get; }

    private sealed class SystemClock : XRayClock
    {
        internal override DateTimeOffset UtcNow => DateTimeOffset.UtcNow;
    }
}
