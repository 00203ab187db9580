using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Diagnostics;
using CloudWatchApm.Agent.Aws.XRay;
using Xunit;

namespace CloudWatchApm.Agent.Tests.Aws.XRay;

// Install() changes a process-wide static; these tests must not overlap with each other.
[Collection(XRayTraceIdGeneratorCollection.Name)]
public class XRayIdGeneratorTests
{
    [Fact]
    public void XRayIdGenerator_FakeClock_FirstFourBytesAreUnixSecondsBigEndian()
    {
        var clock = new FakeClock(FakeClock.DefaultStart);
        var generator = new XRayIdGenerator(clock);

        var traceId = generator.NewTraceId();

        Span<byte> bytes = stackalloc byte[16];
        traceId.CopyTo(bytes);
        Assert.Equal((uint)FakeClock.DefaultStart.ToUnixTimeSeconds(), BinaryPrimitives.ReadUInt32BigEndian(bytes));
        Assert.StartsWith("67748580", traceId.ToHexString(), StringComparison.Ordinal);
    }

    [Fact]
    public void XRayIdGenerator_ManyIdsAcrossThreads_AllDistinct()
    {
        var generator = new XRayIdGenerator(new FakeClock(FakeClock.DefaultStart));
        var ids = new ConcurrentBag<ActivityTraceId>();

        Parallel.For(0, 4000, _ => ids.Add(generator.NewTraceId()));

        Assert.Equal(4000, ids.Distinct().Count());
    }

    [Fact]
    public void XRayIdGenerator_Installed_RootActivitiesGetXRayTraceIds()
    {
        var sourceName = "XRayIdTests." + Guid.NewGuid().ToString("N");
        using var source = new ActivitySource(sourceName);
        ActivityTraceId sampledTraceId = default;
        using var listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name == sourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> options) =>
            {
                // What OpenTelemetry's sampler sees must already be the X-Ray id.
                sampledTraceId = options.TraceId;
                return ActivitySamplingResult.AllDataAndRecorded;
            },
        };
        ActivitySource.AddActivityListener(listener);

        try
        {
            XRayIdGenerator.Install();
            XRayIdGenerator.Install();
            Assert.True(XRayIdGenerator.IsInstalled);

            using var activity = source.StartActivity("root");

            Assert.NotNull(activity);
            Assert.Equal(sampledTraceId, activity.TraceId);
            var seconds = Convert.ToInt64(activity.TraceId.ToHexString()[..8], 16);
            Assert.InRange(seconds, DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 5, DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 5);
        }
        finally
        {
            XRayIdGenerator.Uninstall();
        }

        Assert.False(XRayIdGenerator.IsInstalled);
        Assert.Null(Activity.TraceIdGenerator);
    }
}

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class XRayTraceIdGeneratorCollection
{
    public const string Name = "X-Ray trace id generator (Activity.TraceIdGenerator is process-wide)";
}
