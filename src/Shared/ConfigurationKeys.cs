// Every environment variable the agent, the startup hook and the CLI read, with its
// documentation. docs/configuration.md, `cwapm doctor` and the agent's settings all come
// from this one list, and a test fails when a key here is missing from the docs.
// Compiled into the startup hook too, so it keeps to .NET Core 3.1 APIs.
#nullable enable

namespace CloudWatchApm.Agent.Shared;

internal static class ConfigurationKeys
{
    // General
    internal const string SdkDisabled = "OTEL_SDK_DISABLED";
    internal const string ServiceName = "OTEL_SERVICE_NAME";
    internal const string ServiceVersion = "OTEL_SERVICE_VERSION";
    internal const string ResourceAttributes = "OTEL_RESOURCE_ATTRIBUTES";
    internal const string LogLevel = "OTEL_LOG_LEVEL";

    // Exporters
    internal const string TracesExporter = "OTEL_TRACES_EXPORTER";
    internal const string MetricsExporter = "OTEL_METRICS_EXPORTER";
    internal const string LogsExporter = "OTEL_LOGS_EXPORTER";

    // OTLP (generic; per-signal forms are built with OtlpSignalKey)
    internal const string OtlpPrefix = "OTEL_EXPORTER_OTLP_";
    internal const string OtlpEndpoint = "OTEL_EXPORTER_OTLP_ENDPOINT";
    internal const string OtlpProtocol = "OTEL_EXPORTER_OTLP_PROTOCOL";
    internal const string OtlpHeaders = "OTEL_EXPORTER_OTLP_HEADERS";
    internal const string OtlpTimeout = "OTEL_EXPORTER_OTLP_TIMEOUT";
    internal const string OtlpCompression = "OTEL_EXPORTER_OTLP_COMPRESSION";
    internal const string OtlpCertificate = "OTEL_EXPORTER_OTLP_CERTIFICATE";
    internal const string OtlpClientKey = "OTEL_EXPORTER_OTLP_CLIENT_KEY";
    internal const string OtlpClientCertificate = "OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE";
    internal const string OtlpInsecure = "OTEL_EXPORTER_OTLP_INSECURE";
    internal const string OtlpMetricsTemporality = "OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE";
    internal const string OtlpMetricsHistogramAggregation = "OTEL_EXPORTER_OTLP_METRICS_DEFAULT_HISTOGRAM_AGGREGATION";

    // Sampling and propagation
    internal const string TracesSampler = "OTEL_TRACES_SAMPLER";
    internal const string TracesSamplerArg = "OTEL_TRACES_SAMPLER_ARG";
    internal const string Propagators = "OTEL_PROPAGATORS";

    // Batching
    internal const string BspScheduleDelay = "OTEL_BSP_SCHEDULE_DELAY";
    internal const string BspExportTimeout = "OTEL_BSP_EXPORT_TIMEOUT";
    internal const string BspMaxQueueSize = "OTEL_BSP_MAX_QUEUE_SIZE";
    internal const string BspMaxExportBatchSize = "OTEL_BSP_MAX_EXPORT_BATCH_SIZE";
    internal const string BlrpScheduleDelay = "OTEL_BLRP_SCHEDULE_DELAY";
    internal const string BlrpExportTimeout = "OTEL_BLRP_EXPORT_TIMEOUT";
    internal const string BlrpMaxQueueSize = "OTEL_BLRP_MAX_QUEUE_SIZE";
    internal const string BlrpMaxExportBatchSize = "OTEL_BLRP_MAX_EXPORT_BATCH_SIZE";

    // Limits
    internal const string AttributeValueLengthLimit = "OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT";
    internal const string AttributeCountLimit = "OTEL_ATTRIBUTE_COUNT_LIMIT";
    internal const string SpanAttributeValueLengthLimit = "OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT";
    internal const string SpanAttributeCountLimit = "OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT";
    internal const string SpanEventCountLimit = "OTEL_SPAN_EVENT_COUNT_LIMIT";
    internal const string SpanLinkCountLimit = "OTEL_SPAN_LINK_COUNT_LIMIT";
    internal const string EventAttributeCountLimit = "OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT";
    internal const string LinkAttributeCountLimit = "OTEL_LINK_ATTRIBUTE_COUNT_LIMIT";
    internal const string LogRecordAttributeValueLengthLimit = "OTEL_LOGRECORD_ATTRIBUTE_VALUE_LENGTH_LIMIT";
    internal const string LogRecordAttributeCountLimit = "OTEL_LOGRECORD_ATTRIBUTE_COUNT_LIMIT";

    // Metrics
    internal const string MetricExportInterval = "OTEL_METRIC_EXPORT_INTERVAL";
    internal const string MetricExportTimeout = "OTEL_METRIC_EXPORT_TIMEOUT";
    internal const string MetricsExemplarFilter = "OTEL_METRICS_EXEMPLAR_FILTER";

    // Agent knobs, named as the OpenTelemetry .NET automatic instrumentation names them.
    internal const string Home = "OTEL_DOTNET_AUTO_HOME";
    internal const string TracesEnabled = "OTEL_DOTNET_AUTO_TRACES_ENABLED";
    internal const string MetricsEnabled = "OTEL_DOTNET_AUTO_METRICS_ENABLED";
    internal const string LogsEnabled = "OTEL_DOTNET_AUTO_LOGS_ENABLED";
    internal const string InstrumentationEnabled = "OTEL_DOTNET_AUTO_INSTRUMENTATION_ENABLED";
    internal const string TracesInstrumentationEnabled = "OTEL_DOTNET_AUTO_TRACES_INSTRUMENTATION_ENABLED";
    internal const string MetricsInstrumentationEnabled = "OTEL_DOTNET_AUTO_METRICS_INSTRUMENTATION_ENABLED";
    internal const string LogsInstrumentationEnabled = "OTEL_DOTNET_AUTO_LOGS_INSTRUMENTATION_ENABLED";
    internal const string TracesAdditionalSources = "OTEL_DOTNET_AUTO_TRACES_ADDITIONAL_SOURCES";
    internal const string MetricsAdditionalSources = "OTEL_DOTNET_AUTO_METRICS_ADDITIONAL_SOURCES";
    internal const string MetricsStart = "OTEL_DOTNET_AUTO_METRICS_START";
    internal const string ResourceDetectorEnabled = "OTEL_DOTNET_AUTO_RESOURCE_DETECTOR_ENABLED";
    internal const string ExcludeProcesses = "OTEL_DOTNET_AUTO_EXCLUDE_PROCESSES";
    internal const string FailFast = "OTEL_DOTNET_AUTO_FAIL_FAST_ENABLED";
    internal const string LogDirectory = "OTEL_DOTNET_AUTO_LOG_DIRECTORY";
    internal const string Logger = "OTEL_DOTNET_AUTO_LOGGER";
    internal const string ShutdownTimeout = "OTEL_DOTNET_AUTO_SHUTDOWN_TIMEOUT";
    internal const string AspNetCoreCaptureRequestHeaders = "OTEL_DOTNET_AUTO_TRACES_ASPNETCORE_INSTRUMENTATION_CAPTURE_REQUEST_HEADERS";
    internal const string AspNetCoreCaptureResponseHeaders = "OTEL_DOTNET_AUTO_TRACES_ASPNETCORE_INSTRUMENTATION_CAPTURE_RESPONSE_HEADERS";

    // Loading (set by instrument.sh and `cwapm run`, read by the hook and `cwapm doctor`).
    internal const string DotnetStartupHooks = "DOTNET_STARTUP_HOOKS";
    internal const string DotnetAdditionalDeps = "DOTNET_ADDITIONAL_DEPS";
    internal const string DotnetSharedStore = "DOTNET_SHARED_STORE";

    // AWS, named as the AWS distro for OpenTelemetry names them (read by the agent's AwsSettings).
    internal const string AwsApplicationSignalsEnabled = "OTEL_AWS_APPLICATION_SIGNALS_ENABLED";
    internal const string AwsApplicationSignalsExporterEndpoint = "OTEL_AWS_APPLICATION_SIGNALS_EXPORTER_ENDPOINT";
    internal const string AwsHttpOperationPaths = "OTEL_AWS_HTTP_OPERATION_PATHS";

    internal static readonly string[] Signals = { "TRACES", "METRICS", "LOGS" };

    /// <summary>The resource detectors that can be switched one by one.</summary>
    internal static readonly string[] ResourceDetectors = { "HOST", "PROCESS", "PROCESSRUNTIME", "OPERATINGSYSTEM", "CONTAINER", "EC2", "ECS", "EKS", "LAMBDA", "ELASTICBEANSTALK" };

    /// <summary>OTEL_EXPORTER_OTLP_{SIGNAL}_{SETTING}, e.g. ("TRACES", "ENDPOINT").</summary>
    internal static string OtlpSignalKey(string signal, string setting) => OtlpPrefix + signal + "_" + setting;

    /// <summary>OTEL_DOTNET_AUTO_{SIGNAL}_{ID}_INSTRUMENTATION_ENABLED.</summary>
    internal static string InstrumentationKey(string signal, string id) => "OTEL_DOTNET_AUTO_" + signal + "_" + id + "_INSTRUMENTATION_ENABLED";

    /// <summary>OTEL_DOTNET_AUTO_{DETECTOR}_RESOURCE_DETECTOR_ENABLED.</summary>
    internal static string ResourceDetectorKey(string id) => "OTEL_DOTNET_AUTO_" + id + "_RESOURCE_DETECTOR_ENABLED";

    internal static readonly string[] OtlpSettings = { "ENDPOINT", "PROTOCOL", "HEADERS", "TIMEOUT", "COMPRESSION", "CERTIFICATE", "CLIENT_KEY", "CLIENT_CERTIFICATE", "INSECURE" };
}
