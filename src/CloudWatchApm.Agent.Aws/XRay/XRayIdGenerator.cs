// X-Ray compatible trace ids: the first 4 bytes are the start time in Unix seconds (big-endian),
// the other 12 are random. X-Ray rejects trace ids whose embedded time is far from now, so
// without this the W3C-random ids of root spans would not show up in X-Ray.
// Installed through Activity.TraceIdGenerator, which the runtime calls for every activity that
// has no parent, including the trace id OpenTelemetry's sampler sees.
using System.Buffers.Binary;
using System.Diagnostics;

namespace CloudWatchApm.Agent.Aws.XRay;

internal sealed class XRayIdGenerator
{
    private static readonly XRayIdGenerator Shared = new(XRayClock.Default);
    private static readonly Func<ActivityTraceId> SharedGenerator = Shared.NewTraceId;

    private readonly XRayClock _clock;

    internal XRayIdGenerator(XRayClock clock)
    {
        _clock = clock;
    }

    /// <summary>True while this generator produces the process's root trace ids.</summary>
    internal static bool IsInstalled => ReferenceEquals(Activity.TraceIdGenerator, SharedGenerator);

    /// <summary>Makes every new root activity in the process use an X-Ray compatible trace id. Idempotent.</summary>
    internal static void Install() => Activity.TraceIdGenerator = SharedGenerator;

    /// <summary>Restores the runtime's random ids, if ours are installed.</summary>
    internal static void Uninstall()
    {
        if (IsInstalled)
        {
            Activity.TraceIdGenerator = null;
        }
    }

    internal ActivityTraceId NewTraceId()
    {
        Span<byte> bytes = stackalloc byte[16];
        var seconds = _clock.UtcNow.ToUnixTimeSeconds();
        BinaryPrimitives.WriteUInt32BigEndian(bytes, (uint)Math.Clamp(seconds, 1, uint.MaxValue));

        // Random.Shared is thread-safe and lock-free; these ids need uniqueness, not secrecy.
        Random.Shared.NextBytes(bytes[4..]);
        return ActivityTraceId.CreateFromBytes(bytes);
    }
}
