// Measures every span that ends (sampled or only recorded, see RecordOnlySampler) into the
// Application Signals Latency, Error and Fault histograms, and writes the same dimensions onto
// the span so traces and metrics join in CloudWatch. Error is a 4xx answer, Fault a 5xx answer
// or, without an HTTP status, an error status. The metrics have their own MeterProvider (delta
// temporality, exponential histograms, OTLP/HTTP to the CloudWatch agent), whose lifetime
// follows the tracer provider's: flushed with it, shut down with it.
using System.Diagnostics;
using System.Diagnostics.Metrics;
using CloudWatchApm.Agent.Aws.AwsSdk;
using OpenTelemetry;
using OpenTelemetry.Metrics;

namespace CloudWatchApm.Agent.Aws.ApplicationSignals;

internal sealed class ApplicationSignalsProcessor : BaseProcessor<Activity>
{
    private readonly ApplicationSignalsGenerator _generator;
    private readonly Meter _meter;
    private readonly Histogram<double> _latency;
    private readonly Histogram<long> _error;
    private readonly Histogram<long> _fault;
    private readonly MeterProvider? _meterProvider;

    internal ApplicationSignalsProcessor(ApplicationSignalsGenerator generator, Func<string, MeterProvider?>? meterProvider = null, string meterName = ApplicationSignalsConventions.MeterName)
    {
        _generator = generator;
        _meter = new Meter(meterName, typeof(ApplicationSignalsProcessor).Assembly.GetName().Version?.ToString());
        _latency = _meter.CreateHistogram<double>(ApplicationSignalsConventions.LatencyMetric, ApplicationSignalsConventions.LatencyUnit, "Duration of server and dependency calls");
        _error = _meter.CreateHistogram<long>(ApplicationSignalsConventions.ErrorMetric, null, "1 for a call that ended with a client error (4xx), else 0");
        _fault = _meter.CreateHistogram<long>(ApplicationSignalsConventions.FaultMetric, null, "1 for a call that ended with a server error (5xx) or an error status, else 0");
        _meterProvider = meterProvider?.Invoke(meterName);
    }

    internal ApplicationSignalsGenerator Generator => _generator;

    public override void OnEnd(Activity data)
    {
        try
        {
            var service = _generator.Service(data);
            var dependency = _generator.Dependency(data);
            if (service is null && dependency is null)
            {
                return;
            }

            Record(data, service, dependency);
        }
        catch (Exception)
        {
            // A span that cannot be measured is skipped; the app never sees an agent error.
        }
    }

    /// <summary>Records the metrics of one span; split out so tests can measure its allocations.</summary>
    internal void Record(Activity span, ApplicationSignalsDimensions? service, ApplicationSignalsDimensions? dependency)
    {
        var latency = span.Duration.TotalMilliseconds;
        var (error, fault) = Classify(span);
        if (service is not null)
        {
            _latency.Record(latency, service.Tags);
            _error.Record(error, service.Tags);
            _fault.Record(fault, service.Tags);
        }

        if (dependency is not null)
        {
            _latency.Record(latency, dependency.Tags);
            _error.Record(error, dependency.Tags);
            _fault.Record(fault, dependency.Tags);
        }

        if (span.IsAllDataRequested)
        {
            foreach (var tag in (dependency ?? service)!.Tags)
            {
                span.SetTag(tag.Key, tag.Value);
            }
        }
    }

    internal static (long Error, long Fault) Classify(Activity span)
    {
        var status = (span.GetTagItem(AwsSdkAttributes.HttpStatusCode) ?? span.GetTagItem("http.status_code")) switch
        {
            int i => i,
            long l => (int)l,
            short s => s,
            string text when int.TryParse(text, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var parsed) => parsed,
            _ => 0,
        };

        return status switch
        {
            >= 400 and <= 499 => (1, 0),
            >= 500 and <= 599 => (0, 1),
            _ => (0, span.Status == ActivityStatusCode.Error ? 1 : 0),
        };
    }

    protected override bool OnForceFlush(int timeoutMilliseconds) => _meterProvider?.ForceFlush(timeoutMilliseconds) ?? true;

    protected override bool OnShutdown(int timeoutMilliseconds)
    {
        var result = _meterProvider?.Shutdown(timeoutMilliseconds) ?? true;
        _meter.Dispose();
        return result;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _meterProvider?.Dispose();
            _meter.Dispose();
        }

        base.Dispose(disposing);
    }
}
