// Fixed-rate sampling keyed on the trace id, so every service that sees the same trace and
// the same rate makes the same call. It reads the low 8 bytes: OpenTelemetry's
// TraceIdRatioBasedSampler reads the high 8, which in an X-Ray trace id start with the
// timestamp, so its decisions would cluster by second instead of being random.
using System.Buffers.Binary;
using System.Diagnostics;

namespace CloudWatchApm.Agent.Aws.XRay;

internal static class XRayRatio
{
    internal static bool IsSampled(ActivityTraceId traceId, double rate)
    {
        if (rate <= 0 || double.IsNaN(rate))
        {
            return false;
        }

        if (rate >= 1)
        {
            return true;
        }

        Span<byte> bytes = stackalloc byte[16];
        traceId.CopyTo(bytes);

        // 53 random bits compared against rate in [0, 1): exact for every rate a double can hold.
        var random = BinaryPrimitives.ReadUInt64BigEndian(bytes[8..]) >> 11;
        return random < (ulong)(rate * (1UL << 53));
    }
}
