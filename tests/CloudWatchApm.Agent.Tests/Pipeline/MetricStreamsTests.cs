// The agent's one metrics view, run through a real MeterProvider: process-bound meters get the
// small cardinality limit (and overflow into the SDK's overflow point beyond it), every other
// meter keeps the default, a histogram keeps its advised buckets, and the exponential-histogram
// setting still makes exactly one stream per instrument.
using System.Diagnostics.Metrics;
using CloudWatchApm.Agent.Pipeline;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using Xunit;

namespace CloudWatchApm.Agent.Tests.Pipeline;

public sealed class MetricStreamsTests
{
    private const string Overflow = "otel.metric.overflow";

    [Fact]
    public void ProcessBoundMeter_IsCappedAtTheSmallLimitAndOverflowsBeyondIt()
    {
        // A meter named like Kestrel's: the view goes by the meter's name.
        using var meter = new Meter("Microsoft.AspNetCore.Server.Kestrel", "test-" + Guid.NewGuid());
        var counter = meter.CreateCounter<long>("test.bounded");
        var points = Export(meter, exponential: false, () =>
        {
            for (var i = 0; i < 500; i++)
            {
                counter.Add(1, new KeyValuePair<string, object?>("k", i));
            }
        })["test.bounded"];

        Assert.InRange(points.Count, MetricStreams.ProcessBoundLimit - 2, MetricStreams.ProcessBoundLimit + 1);
        Assert.Contains(points, p => p.Tags.ContainsKey(Overflow));
        Assert.Equal(500, points.Sum(p => p.Sum));
    }

    [Fact]
    public void ApplicationMeter_KeepsTheDefaultLimit()
    {
        using var meter = new Meter("Orders.Api." + Guid.NewGuid());
        var counter = meter.CreateCounter<long>("orders.placed");
        var points = Export(meter, exponential: false, () =>
        {
            for (var i = 0; i < 500; i++)
            {
                counter.Add(1, new KeyValuePair<string, object?>("customer", i));
            }
        })["orders.placed"];

        Assert.Equal(500, points.Count);
        Assert.DoesNotContain(points, p => p.Tags.ContainsKey(Overflow));
    }

    [Theory]
    [InlineData("Microsoft.AspNetCore.Server.Kestrel")]
    [InlineData("Microsoft.AspNetCore.Hosting")]
    public void ExplicitHistogram_KeepsTheInstrumentsAdvisedBuckets(string meterName)
    {
        using var meter = new Meter(meterName, "test-" + Guid.NewGuid());
        var histogram = meter.CreateHistogram<double>("test.duration", "s", null, null, new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.01, 0.1, 1] });
        var metrics = Export(meter, exponential: false, () => histogram.Record(0.5), out var types);

        var point = Assert.Single(metrics["test.duration"]);
        Assert.Equal([0.01, 0.1, 1], point.Bounds);
        Assert.Equal(MetricType.Histogram, types["test.duration"]);
    }

    [Theory]
    [InlineData("Microsoft.AspNetCore.Server.Kestrel")]
    [InlineData("Microsoft.AspNetCore.Hosting")]
    public void ExponentialSetting_OneExponentialStreamPerHistogram_CountersUntouched(string meterName)
    {
        using var meter = new Meter(meterName, "test-" + Guid.NewGuid());
        var histogram = meter.CreateHistogram<double>("test.duration", "s");
        var counter = meter.CreateCounter<long>("test.count");
        var exported = new List<Metric>();
        using var provider = Build(meter, exponential: true, exported);
        histogram.Record(0.5);
        counter.Add(1);
        provider.ForceFlush();

        Assert.Equal(MetricType.ExponentialHistogram, Assert.Single(exported, m => m.Name == "test.duration").MetricType);
        Assert.Equal(MetricType.LongSum, Assert.Single(exported, m => m.Name == "test.count").MetricType);
    }

    [Fact]
    public void Configure_LimitsOnlyProcessBoundMeters()
    {
        using var runtime = new Meter("System.Runtime", "test-" + Guid.NewGuid());
        using var app = new Meter("Orders.Api");
        var bounded = MetricStreams.Configure(runtime.CreateCounter<long>("c"), exponentialHistograms: false);
        var appHistogram = MetricStreams.Configure(app.CreateHistogram<double>("h"), exponentialHistograms: true);

        Assert.Equal(MetricStreams.ProcessBoundLimit, bounded!.CardinalityLimit);
        Assert.Null(MetricStreams.Configure(app.CreateCounter<long>("c"), exponentialHistograms: true));
        Assert.IsType<Base2ExponentialBucketHistogramConfiguration>(appHistogram);
        Assert.Null(appHistogram!.CardinalityLimit);
    }

    private static MeterProvider Build(Meter meter, bool exponential, List<Metric> exported) =>
        Sdk.CreateMeterProviderBuilder()
            .AddMeter(meter.Name)
            .AddView(instrument => instrument.Meter == meter ? MetricStreams.Configure(instrument, exponential) : null)
            .AddInMemoryExporter(exported)
            .Build()!;

    private static Dictionary<string, List<Point>> Export(Meter meter, bool exponential, Action record) =>
        Export(meter, exponential, record, out _);

    // Reads the points while the provider is alive: the SDK reuses its Metric objects.
    private static Dictionary<string, List<Point>> Export(Meter meter, bool exponential, Action record, out Dictionary<string, MetricType> types)
    {
        var exported = new List<Metric>();
        using var provider = Build(meter, exponential, exported);
        record();
        provider.ForceFlush();
        var result = new Dictionary<string, List<Point>>();
        types = [];
        foreach (var metric in exported.Where(m => m.MeterName == meter.Name))
        {
            types[metric.Name] = metric.MetricType;
            var points = result.TryGetValue(metric.Name, out var list) ? list : result[metric.Name] = [];
            foreach (ref readonly var point in metric.GetMetricPoints())
            {
                var tags = new Dictionary<string, object?>();
                foreach (var tag in point.Tags)
                {
                    tags[tag.Key] = tag.Value;
                }

                var bounds = new List<double>();
                double sum;
                if (metric.MetricType == MetricType.Histogram)
                {
                    foreach (var bucket in point.GetHistogramBuckets())
                    {
                        if (!double.IsPositiveInfinity(bucket.ExplicitBound))
                        {
                            bounds.Add(bucket.ExplicitBound);
                        }
                    }

                    sum = point.GetHistogramSum();
                }
                else
                {
                    sum = point.GetSumLong();
                }

                points.Add(new Point(tags, sum, bounds));
            }
        }

        return result;
    }

    private sealed record Point(Dictionary<string, object?> Tags, double Sum, List<double> Bounds);
}
