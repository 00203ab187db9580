// Shared builders for the sampler tests: trace ids whose fixed-rate outcome is known, span
// start parameters with tags, and samplers wired to a fake clock with polling off.
using System.Buffers.Binary;
using System.Diagnostics;
using CloudWatchApm.Agent.Aws.XRay;
using OpenTelemetry.Trace;

namespace CloudWatchApm.Agent.Tests.Aws.XRay;

internal static class XRaySamplingTestData
{
    /// <summary>A trace id that every fixed rate above zero samples.</summary>
    internal static ActivityTraceId AlwaysInRate => TraceIdWithLowBits(0);

    /// <summary>A trace id that no fixed rate below one samples.</summary>
    internal static ActivityTraceId NeverInRate => TraceIdWithLowBits(ulong.MaxValue);

    internal static ActivityTraceId TraceIdWithLowBits(ulong low)
    {
        Span<byte> bytes = stackalloc byte[16];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, 0x67748580);
        bytes[7] = 1;
        BinaryPrimitives.WriteUInt64BigEndian(bytes[8..], low);
        return ActivityTraceId.CreateFromBytes(bytes);
    }

    internal static SamplingParameters Span(ActivityTraceId traceId, params (string Key, object? Value)[] tags)
        => new(
            default,
            traceId,
            "request",
            ActivityKind.Server,
            tags.Select(t => new KeyValuePair<string, object?>(t.Key, t.Value)).ToList());

    internal static XRayRemoteSampler OfflineSampler(XRayClock clock, XRaySamplerResource? resource = null, List<string>? warnings = null)
        => new(
            new XRayRemoteSamplerOptions(),
            resource ?? XRaySamplerResource.Empty,
            warnings is null ? null : warnings.Add,
            httpClient: null,
            clock,
            startPolling: false,
            TimeSpan.FromSeconds(1));
}
