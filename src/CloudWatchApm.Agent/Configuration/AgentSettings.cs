// Every setting the agent uses, read once from the environment and validated. Invalid values
// never stop the application: each becomes a problem line (variable, value, what is accepted,
// what is used instead), and all of them are reported together at startup and by
// `cwapm doctor`. With OTEL_DOTNET_AUTO_FAIL_FAST_ENABLED=true the same list stops the app.
using System.Globalization;
using CloudWatchApm.Agent.Shared;

namespace CloudWatchApm.Agent.Configuration;

internal sealed class AgentSettings
{
    internal static readonly string[] ExporterNames = ["otlp", "console", "none"];
    internal static readonly string[] SamplerNames =
    [
        "always_on", "always_off", "traceidratio", "parentbased_always_on", "parentbased_always_off", "parentbased_traceidratio", "xray",
    ];

    /// <summary>The largest span or log record queue: the SDK allocates it whole when it starts (8 bytes per item).</summary>
    internal const int MaxQueueSize = 1_000_000;

    internal static readonly string[] PropagatorNames = ["tracecontext", "baggage", "b3", "b3multi", "xray", "none"];

    internal bool SdkDisabled { get; private set; }

    internal string ServiceName { get; private set; } = "unknown_service";

    internal string ServiceNameSource { get; private set; } = "default";

    internal string? ServiceVersion { get; private set; }

    internal List<KeyValuePair<string, string>> ResourceAttributes { get; } = [];

    internal int LogLevel { get; private set; } = 3;

    internal List<string> TracesExporters { get; private set; } = ["otlp"];

    internal List<string> MetricsExporters { get; private set; } = ["otlp"];

    internal List<string> LogsExporters { get; private set; } = ["otlp"];

    internal OtlpSignalSettings Traces { get; private set; } = null!;

    internal OtlpSignalSettings Metrics { get; private set; } = null!;

    internal OtlpSignalSettings Logs { get; private set; } = null!;

    internal string Sampler { get; private set; } = "parentbased_always_on";

    internal double SamplerRatio { get; private set; } = 1.0;

    internal string? SamplerArgument { get; private set; }

    internal List<string> Propagators { get; private set; } = ["tracecontext", "baggage"];

    internal BatchSettings Bsp { get; private set; } = new(5000, 30000, 2048, 512);

    internal BatchSettings Blrp { get; private set; } = new(1000, 30000, 2048, 512);

    internal LimitSettings Limits { get; } = new();

    internal int MetricExportIntervalMilliseconds { get; private set; } = 60000;

    internal int MetricExportTimeoutMilliseconds { get; private set; } = 30000;

    internal string ExemplarFilter { get; private set; } = "trace_based";

    internal string MetricsTemporality { get; private set; } = "cumulative";

    internal string HistogramAggregation { get; private set; } = "explicit_bucket_histogram";

    /// <summary>When an ASP.NET Core app's metrics pipeline is built: "after_first_request" or "immediate".</summary>
    internal string MetricsStart { get; private set; } = "after_first_request";

    internal bool TracesEnabled { get; private set; } = true;

    internal bool MetricsEnabled { get; private set; } = true;

    internal bool LogsEnabled { get; private set; } = true;

    internal List<string> AdditionalTraceSources { get; private set; } = [];

    internal List<string> AdditionalMeterSources { get; private set; } = [];

    internal bool ResourceDetectorsEnabled { get; private set; } = true;

    internal bool FailFast { get; private set; }

    internal int ShutdownTimeoutMilliseconds { get; private set; } = 5000;

    internal List<string> CaptureRequestHeaders { get; private set; } = [];

    internal List<string> CaptureResponseHeaders { get; private set; } = [];

    internal IReadOnlyList<string> Problems { get; private set; } = [];

    private SettingsReader _reader = null!;
    private bool _instrumentationDefault = true;
    private readonly Dictionary<string, bool> _signalInstrumentationDefault = new(StringComparer.Ordinal);

    /// <summary>Reads and validates everything. <paramref name="entryName"/> is the service name fallback.</summary>
    internal static AgentSettings Load(IEnvironment environment, string? entryName)
    {
        var reader = new SettingsReader(environment);
        var s = new AgentSettings { _reader = reader };
        s.Read(reader, entryName);
        s.Problems = reader.Problems;
        return s;
    }

    internal static AgentSettings FromProcess(string? entryName) => Load(ProcessEnvironment.Instance, entryName);

    /// <summary>
    /// OTEL_DOTNET_AUTO_{SIGNAL}_{ID}_INSTRUMENTATION_ENABLED, inheriting from
    /// OTEL_DOTNET_AUTO_{SIGNAL}_INSTRUMENTATION_ENABLED, then OTEL_DOTNET_AUTO_INSTRUMENTATION_ENABLED.
    /// </summary>
    internal bool IsInstrumentationEnabled(string signal, string id)
    {
        var inherited = _signalInstrumentationDefault.TryGetValue(signal, out var d) ? d : _instrumentationDefault;
        return _reader.GetOptionalBool(ConfigurationKeys.InstrumentationKey(signal, id)) ?? inherited;
    }

    /// <summary>OTEL_DOTNET_AUTO_{ID}_RESOURCE_DETECTOR_ENABLED, inheriting the global switch.</summary>
    internal bool IsResourceDetectorEnabled(string id)
        => _reader.GetOptionalBool(ConfigurationKeys.ResourceDetectorKey(id)) ?? ResourceDetectorsEnabled;

    private void Read(SettingsReader r, string? entryName)
    {
        SdkDisabled = r.GetBool(ConfigurationKeys.SdkDisabled, false);
        LogLevel = ReadLogLevel(r);
        ReadResource(r, entryName);

        TracesExporters = ReadExporters(r, ConfigurationKeys.TracesExporter);
        MetricsExporters = ReadExporters(r, ConfigurationKeys.MetricsExporter);
        LogsExporters = ReadExporters(r, ConfigurationKeys.LogsExporter);
        var tlsVerdicts = new Dictionary<string, string?>(StringComparer.Ordinal);
        Traces = ReadOtlp(r, "TRACES", "v1/traces", tlsVerdicts);
        Metrics = ReadOtlp(r, "METRICS", "v1/metrics", tlsVerdicts);
        Logs = ReadOtlp(r, "LOGS", "v1/logs", tlsVerdicts);

        ReadSampler(r);
        ReadPropagators(r);

        Bsp = ReadBatch(r, Bsp, ConfigurationKeys.BspScheduleDelay, ConfigurationKeys.BspExportTimeout, ConfigurationKeys.BspMaxQueueSize, ConfigurationKeys.BspMaxExportBatchSize);
        Blrp = ReadBatch(r, Blrp, ConfigurationKeys.BlrpScheduleDelay, ConfigurationKeys.BlrpExportTimeout, ConfigurationKeys.BlrpMaxQueueSize, ConfigurationKeys.BlrpMaxExportBatchSize);
        Limits.Read(r);

        MetricExportIntervalMilliseconds = r.GetInt(ConfigurationKeys.MetricExportInterval, 60000, minimum: 1);
        MetricExportTimeoutMilliseconds = NoLimitIfZero(r.GetInt(ConfigurationKeys.MetricExportTimeout, 30000));
        ExemplarFilter = r.GetEnum(ConfigurationKeys.MetricsExemplarFilter, "trace_based", "trace_based", "always_on", "always_off");
        MetricsTemporality = r.GetEnum(ConfigurationKeys.OtlpMetricsTemporality, "cumulative", "cumulative", "delta", "lowmemory");
        HistogramAggregation = r.GetEnum(ConfigurationKeys.OtlpMetricsHistogramAggregation, "explicit_bucket_histogram", "explicit_bucket_histogram", "base2_exponential_bucket_histogram");
        MetricsStart = r.GetEnum(ConfigurationKeys.MetricsStart, "after_first_request", "after_first_request", "immediate");

        TracesEnabled = r.GetBool(ConfigurationKeys.TracesEnabled, true);
        MetricsEnabled = r.GetBool(ConfigurationKeys.MetricsEnabled, true);
        LogsEnabled = r.GetBool(ConfigurationKeys.LogsEnabled, true);
        _instrumentationDefault = r.GetBool(ConfigurationKeys.InstrumentationEnabled, true);
        _signalInstrumentationDefault["TRACES"] = r.GetBool(ConfigurationKeys.TracesInstrumentationEnabled, _instrumentationDefault);
        _signalInstrumentationDefault["METRICS"] = r.GetBool(ConfigurationKeys.MetricsInstrumentationEnabled, _instrumentationDefault);
        _signalInstrumentationDefault["LOGS"] = r.GetBool(ConfigurationKeys.LogsInstrumentationEnabled, _instrumentationDefault);
        AdditionalTraceSources = r.GetList(ConfigurationKeys.TracesAdditionalSources);
        AdditionalMeterSources = r.GetList(ConfigurationKeys.MetricsAdditionalSources);
        ResourceDetectorsEnabled = r.GetBool(ConfigurationKeys.ResourceDetectorEnabled, true);
        FailFast = r.GetBool(ConfigurationKeys.FailFast, false);
        ShutdownTimeoutMilliseconds = r.GetInt(ConfigurationKeys.ShutdownTimeout, 5000);
        _ = r.GetEnum(ConfigurationKeys.Logger, "file", "file", "console", "none");
        CaptureRequestHeaders = r.GetList(ConfigurationKeys.AspNetCoreCaptureRequestHeaders);
        CaptureResponseHeaders = r.GetList(ConfigurationKeys.AspNetCoreCaptureResponseHeaders);

        // Validate every per-instrumentation and per-detector switch that is set, so a typo
        // such as "flase" is reported even for an instrumentation the app never loads.
        foreach (var name in r.Environment.Names())
        {
            if (name.StartsWith("OTEL_DOTNET_AUTO_", StringComparison.Ordinal)
                && (name.EndsWith("_INSTRUMENTATION_ENABLED", StringComparison.Ordinal) || name.EndsWith("_RESOURCE_DETECTOR_ENABLED", StringComparison.Ordinal)))
            {
                _ = r.GetOptionalBool(name);
            }
        }
    }

    private static int ReadLogLevel(SettingsReader r)
    {
        var level = r.GetEnum(ConfigurationKeys.LogLevel, "info", "none", "error", "warn", "info", "debug");
        return AgentLogFile.ParseLevel(level);
    }

    private void ReadResource(SettingsReader r, string? entryName)
    {
        var raw = r.GetString(ConfigurationKeys.ResourceAttributes);
        if (raw is not null)
        {
            if (ResourceAttributesParser.TryParse(raw, out var parsed, out var error))
            {
                ResourceAttributes.AddRange(parsed);
            }
            else
            {
                r.Problem($"{ConfigurationKeys.ResourceAttributes} is discarded as a whole: {error} (expected key1=value1,key2=value2 with percent-encoding)");
            }
        }

        var fromAttributes = AttributeValue("service.name");
        var explicitName = r.GetString(ConfigurationKeys.ServiceName);
        if (explicitName is not null)
        {
            ServiceName = explicitName;
            ServiceNameSource = ConfigurationKeys.ServiceName;
        }
        else if (!string.IsNullOrEmpty(fromAttributes))
        {
            ServiceName = fromAttributes;
            ServiceNameSource = ConfigurationKeys.ResourceAttributes;
        }
        else if (!string.IsNullOrWhiteSpace(entryName))
        {
            ServiceName = entryName;
            ServiceNameSource = "entry assembly";
        }

        ResourceAttributes.RemoveAll(a => a.Key == "service.name");
        var version = r.GetString(ConfigurationKeys.ServiceVersion);
        ServiceVersion = version ?? AttributeValue("service.version");
        ResourceAttributes.RemoveAll(a => a.Key == "service.version");
    }

    // A loop rather than Enumerable.FirstOrDefault: this runs before the app's Main, and LINQ over
    // a list of key-value pairs is JIT-compiled there (about 0.6 ms), not taken from ReadyToRun code.
    private string? AttributeValue(string key)
    {
        foreach (var attribute in ResourceAttributes)
        {
            if (attribute.Key == key)
            {
                return attribute.Value;
            }
        }

        return null;
    }

    private static List<string> ReadExporters(SettingsReader r, string key)
    {
        var values = r.GetList(key);
        if (values.Count == 0)
        {
            return ["otlp"];
        }

        var result = new List<string>();
        foreach (var value in values)
        {
            var name = value.ToLowerInvariant();
            if (ExporterNames.Contains(name))
            {
                if (!result.Contains(name))
                {
                    result.Add(name);
                }
            }
            else
            {
                r.ItemProblem(key, value, ExporterNames);
            }
        }

        if (result.Count == 0)
        {
            return ["otlp"];
        }

        // "none" alone means off; beside other exporters it adds nothing.
        if (result.Count > 1)
        {
            result.Remove("none");
        }

        return result;
    }

    private static OtlpSignalSettings ReadOtlp(SettingsReader r, string signal, string httpPath, Dictionary<string, string?> tlsVerdicts)
    {
        string Key(string setting) => ConfigurationKeys.OtlpSignalKey(signal, setting);
        string Which(string setting, string generic) => r.GetString(Key(setting)) is not null ? Key(setting) : generic;

        var protocolKey = r.GetString(Key("PROTOCOL")) is not null ? Key("PROTOCOL") : ConfigurationKeys.OtlpProtocol;
        var protocol = r.GetEnum(protocolKey, OtlpSignalSettings.Grpc, OtlpSignalSettings.Grpc, OtlpSignalSettings.HttpProtobuf);
        var defaultBase = protocol == OtlpSignalSettings.Grpc ? "http://localhost:4317" : "http://localhost:4318";

        // Only an endpoint the user gave is parsed here; a default stays text until the
        // providers are built (see OtlpSignalSettings.Endpoint).
        Uri? endpoint = null;
        string? defaultEndpoint = null;
        var perSignal = r.GetString(Key("ENDPOINT"));
        var generic = r.GetString(ConfigurationKeys.OtlpEndpoint);
        if (perSignal is not null && TryEndpoint(perSignal, out var ps))
        {
            // A per-signal endpoint is used exactly as given.
            endpoint = ps;
        }
        else
        {
            if (perSignal is not null)
            {
                r.Problem(Key("ENDPOINT"), perSignal, "an absolute http:// or https:// URL", "the generic endpoint");
            }

            Uri? baseUri = null;
            if (generic is not null)
            {
                if (TryEndpoint(generic, out var g))
                {
                    baseUri = g;
                }
                else
                {
                    r.Problem(ConfigurationKeys.OtlpEndpoint, generic, "an absolute http:// or https:// URL", defaultBase);
                }
            }

            if (baseUri is null)
            {
                defaultEndpoint = protocol == OtlpSignalSettings.HttpProtobuf ? defaultBase + "/" + httpPath : defaultBase;
            }
            else
            {
                endpoint = protocol == OtlpSignalSettings.HttpProtobuf ? AppendPath(baseUri, httpPath) : baseUri;
            }
        }

        var headersKey = r.GetString(Key("HEADERS")) is not null ? Key("HEADERS") : ConfigurationKeys.OtlpHeaders;
        var headers = OtlpExporterChecks.ReadHeaders(r, headersKey);
        var (clientCertificate, clientKey) = OtlpExporterChecks.ClientCertificate(
            r, Which("CLIENT_CERTIFICATE", ConfigurationKeys.OtlpClientCertificate), Which("CLIENT_KEY", ConfigurationKeys.OtlpClientKey), tlsVerdicts);

        var timeoutKey = r.GetString(Key("TIMEOUT")) is not null ? Key("TIMEOUT") : ConfigurationKeys.OtlpTimeout;
        var compressionKey = r.GetString(Key("COMPRESSION")) is not null ? Key("COMPRESSION") : ConfigurationKeys.OtlpCompression;
        var insecureKey = r.GetString(Key("INSECURE")) is not null ? Key("INSECURE") : ConfigurationKeys.OtlpInsecure;

        return new OtlpSignalSettings
        {
            Signal = signal,
            Protocol = protocol,
            Endpoint = endpoint!, // null when a default endpoint is kept as text (EndpointText)
            EndpointText = defaultEndpoint,
            Headers = headers,
            TimeoutMilliseconds = NoLimitIfZero(r.GetInt(timeoutKey, 10_000)),
            Compression = r.GetEnum(compressionKey, "none", "none", "gzip"),
            CertificatePath = OtlpExporterChecks.CertificateAuthority(r, Which("CERTIFICATE", ConfigurationKeys.OtlpCertificate), tlsVerdicts),
            ClientKeyPath = clientKey,
            ClientCertificatePath = clientCertificate,
            Insecure = r.GetBool(insecureKey, false),
        };
    }

    private static bool TryEndpoint(string value, out Uri uri)
    {
        if (Uri.TryCreate(value, UriKind.Absolute, out var parsed) && (parsed.Scheme == Uri.UriSchemeHttp || parsed.Scheme == Uri.UriSchemeHttps) && parsed.Host.Length > 0)
        {
            uri = parsed;
            return true;
        }

        uri = null!;
        return false;
    }

    private static Uri AppendPath(Uri baseUri, string path)
    {
        var text = baseUri.AbsoluteUri;
        return new Uri(text.EndsWith('/') ? text + path : text + "/" + path);
    }

    private void ReadSampler(SettingsReader r)
    {
        Sampler = r.GetEnum(ConfigurationKeys.TracesSampler, "parentbased_always_on", SamplerNames);
        SamplerArgument = r.GetString(ConfigurationKeys.TracesSamplerArg);
        if (Sampler is "traceidratio" or "parentbased_traceidratio")
        {
            if (SamplerArgument is null)
            {
                SamplerRatio = 1.0;
            }
            else if (double.TryParse(SamplerArgument, NumberStyles.Float, CultureInfo.InvariantCulture, out var ratio) && ratio is >= 0 and <= 1)
            {
                SamplerRatio = ratio;
            }
            else
            {
                r.Problem(ConfigurationKeys.TracesSamplerArg, SamplerArgument, "a ratio from 0 to 1", "1.0 (as if unset)");
                SamplerRatio = 1.0;
            }
        }
    }

    private void ReadPropagators(SettingsReader r)
    {
        var values = r.GetList(ConfigurationKeys.Propagators);
        if (values.Count == 0)
        {
            // With an AWS feature on, the X-Ray header is read and written by default, so traces
            // continue through load balancers and AWS services that only speak X-Ray.
            if (Sampler == "xray" || string.Equals(r.GetString(ConfigurationKeys.AwsApplicationSignalsEnabled), "true", StringComparison.OrdinalIgnoreCase))
            {
                Propagators = ["tracecontext", "baggage", "xray"];
            }

            return;
        }

        var result = new List<string>();
        foreach (var value in values)
        {
            var name = value.ToLowerInvariant();
            if (!PropagatorNames.Contains(name))
            {
                r.ItemProblem(ConfigurationKeys.Propagators, value, PropagatorNames);
                continue;
            }

            if (!result.Contains(name))
            {
                result.Add(name);
            }
        }

        Propagators = result.Contains("none") ? [] : result;
    }

    private static BatchSettings ReadBatch(SettingsReader r, BatchSettings defaults, string delayKey, string timeoutKey, string queueKey, string batchKey)
    {
        var delay = r.GetInt(delayKey, defaults.ScheduleDelayMilliseconds);
        var timeout = NoLimitIfZero(r.GetInt(timeoutKey, defaults.ExportTimeoutMilliseconds));
        var queue = r.GetInt(queueKey, defaults.MaxQueueSize, minimum: 1);
        if (queue > MaxQueueSize)
        {
            // The SDK allocates the whole queue up front: 2147483647 was seen to take the app
            // down with "Out of memory" (logs) or to switch traces off.
            r.Problem($"{queueKey}={queue.ToString(CultureInfo.InvariantCulture)} is more than the agent allocates up front ({MaxQueueSize.ToString(CultureInfo.InvariantCulture)} items); using {MaxQueueSize.ToString(CultureInfo.InvariantCulture)}");
            queue = MaxQueueSize;
        }

        var batch = r.GetInt(batchKey, defaults.MaxExportBatchSize, minimum: 1);
        if (batch > queue)
        {
            // The specification requires batch <= queue; the SDK would throw on it.
            r.Problem($"{batchKey}={batch} is larger than {queueKey}={queue}; using {queue}");
            batch = queue;
        }

        return new BatchSettings(delay == 0 ? 1 : delay, timeout, queue, batch);
    }

    /// <summary>A timeout of 0 means no limit; the SDK wants a number, so use one day.</summary>
    private static int NoLimitIfZero(int value) => value == 0 ? 86_400_000 : value;
}

internal sealed record BatchSettings(int ScheduleDelayMilliseconds, int ExportTimeoutMilliseconds, int MaxQueueSize, int MaxExportBatchSize);

internal sealed class LimitSettings
{
    internal int? AttributeValueLength { get; private set; }

    internal int? AttributeCount { get; private set; }

    internal int? SpanAttributeValueLength { get; private set; }

    internal int? SpanAttributeCount { get; private set; }

    internal int? SpanEventCount { get; private set; }

    internal int? SpanLinkCount { get; private set; }

    internal int? EventAttributeCount { get; private set; }

    internal int? LinkAttributeCount { get; private set; }

    internal int? LogRecordAttributeValueLength { get; private set; }

    internal int? LogRecordAttributeCount { get; private set; }

    internal void Read(SettingsReader r)
    {
        AttributeValueLength = r.GetOptionalInt(ConfigurationKeys.AttributeValueLengthLimit);
        AttributeCount = r.GetOptionalInt(ConfigurationKeys.AttributeCountLimit);
        SpanAttributeValueLength = r.GetOptionalInt(ConfigurationKeys.SpanAttributeValueLengthLimit);
        SpanAttributeCount = r.GetOptionalInt(ConfigurationKeys.SpanAttributeCountLimit);
        SpanEventCount = r.GetOptionalInt(ConfigurationKeys.SpanEventCountLimit);
        SpanLinkCount = r.GetOptionalInt(ConfigurationKeys.SpanLinkCountLimit);
        EventAttributeCount = r.GetOptionalInt(ConfigurationKeys.EventAttributeCountLimit);
        LinkAttributeCount = r.GetOptionalInt(ConfigurationKeys.LinkAttributeCountLimit);
        LogRecordAttributeValueLength = r.GetOptionalInt(ConfigurationKeys.LogRecordAttributeValueLengthLimit);
        LogRecordAttributeCount = r.GetOptionalInt(ConfigurationKeys.LogRecordAttributeCountLimit);
    }

    /// <summary>The values in the form the SDK's IConfiguration reads them (validated ones only).</summary>
    internal IEnumerable<KeyValuePair<string, string?>> AsConfiguration()
    {
        static KeyValuePair<string, string?> Pair(string key, int? value) => new(key, value?.ToString(CultureInfo.InvariantCulture));
        yield return Pair(ConfigurationKeys.AttributeValueLengthLimit, AttributeValueLength);
        yield return Pair(ConfigurationKeys.AttributeCountLimit, AttributeCount);
        yield return Pair(ConfigurationKeys.SpanAttributeValueLengthLimit, SpanAttributeValueLength);
        yield return Pair(ConfigurationKeys.SpanAttributeCountLimit, SpanAttributeCount);
        yield return Pair(ConfigurationKeys.SpanEventCountLimit, SpanEventCount);
        yield return Pair(ConfigurationKeys.SpanLinkCountLimit, SpanLinkCount);
        yield return Pair(ConfigurationKeys.EventAttributeCountLimit, EventAttributeCount);
        yield return Pair(ConfigurationKeys.LinkAttributeCountLimit, LinkAttributeCount);
        yield return Pair(ConfigurationKeys.LogRecordAttributeValueLengthLimit, LogRecordAttributeValueLength);
        yield return Pair(ConfigurationKeys.LogRecordAttributeCountLimit, LogRecordAttributeCount);
    }
}
