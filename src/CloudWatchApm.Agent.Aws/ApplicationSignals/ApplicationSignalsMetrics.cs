// The Application Signals MeterProvider: only the Latency/Error/Fault meter, delta temporality
// and base-2 exponential histograms (what the CloudWatch agent's Application Signals pipeline
// expects), exemplars off, OTLP/HTTP protobuf to OTEL_AWS_APPLICATION_SIGNALS_EXPORTER_ENDPOINT
// (the CloudWatch agent listens on localhost:4316). Independent of OTEL_METRICS_EXPORTER.
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;

namespace CloudWatchApm.Agent.Aws.ApplicationSignals;

internal static class ApplicationSignalsMetrics
{
    /// <param name="configuration">The agent's validated SDK configuration, so the exporter reads no raw OTEL_* variable.</param>
    internal static MeterProvider Create(string meterName, ResourceBuilder resource, Uri endpoint, int exportIntervalMilliseconds, int exportTimeoutMilliseconds, IConfiguration? configuration)
    {
        var builder = Sdk.CreateMeterProviderBuilder();
        if (configuration is not null)
        {
            builder.ConfigureServices(services => services.AddSingleton(configuration));
        }

        return builder
            .SetResourceBuilder(resource)
            .AddMeter(meterName)
            .SetExemplarFilter(ExemplarFilterType.AlwaysOff)
            .AddView(instrument => instrument.Meter.Name == meterName ? new Base2ExponentialBucketHistogramConfiguration() : null)
            .AddOtlpExporter((options, reader) =>
            {
                options.Endpoint = endpoint;
                options.Protocol = OtlpExportProtocol.HttpProtobuf;
                options.Headers = string.Empty;
                options.Compression = OtlpExportCompression.None;
                reader.TemporalityPreference = MetricReaderTemporalityPreference.Delta;
                reader.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds = exportIntervalMilliseconds;
                reader.PeriodicExportingMetricReaderOptions.ExportTimeoutMilliseconds = exportTimeoutMilliseconds;
            })
            .Build()!;
    }
}
