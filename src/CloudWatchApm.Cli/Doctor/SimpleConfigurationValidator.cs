// The CLI's own rules for the variables of ConfigurationKeys that can be checked without the
// agent: booleans, enumerations, lists, numbers, URLs, files. Every problem is collected.
using System.Globalization;
using CloudWatchApm.Agent.Shared;

namespace CloudWatchApm.Cli.Doctor;

internal sealed class SimpleConfigurationValidator : IConfigurationValidator
{
    internal static readonly string[] Protocols = ["grpc", "http/protobuf"];
    internal static readonly string[] Exporters = ["otlp", "console", "none"];
    internal static readonly string[] Samplers =
    [
        "always_on", "always_off", "traceidratio", "parentbased_always_on", "parentbased_always_off", "parentbased_traceidratio", "xray",
    ];

    internal static readonly string[] PropagatorNames = ["tracecontext", "baggage", "b3", "b3multi", "xray", "none"];
    internal static readonly string[] Compressions = ["gzip", "none"];
    internal static readonly string[] LogLevels = ["none", "off", "error", "fatal", "warn", "warning", "info", "debug", "trace", "verbose", "all"];
    internal static readonly string[] Loggers = ["file", "console", "none"];
    internal static readonly string[] Temporalities = ["cumulative", "delta", "lowmemory"];
    internal static readonly string[] HistogramAggregations = ["explicit_bucket_histogram", "base2_exponential_bucket_histogram"];
    internal static readonly string[] ExemplarFilters = ["always_on", "always_off", "trace_based"];

    private static readonly string[] Booleans =
    [
        ConfigurationKeys.SdkDisabled, ConfigurationKeys.TracesEnabled, ConfigurationKeys.MetricsEnabled, ConfigurationKeys.LogsEnabled,
        ConfigurationKeys.InstrumentationEnabled, ConfigurationKeys.TracesInstrumentationEnabled, ConfigurationKeys.MetricsInstrumentationEnabled,
        ConfigurationKeys.LogsInstrumentationEnabled, ConfigurationKeys.ResourceDetectorEnabled, ConfigurationKeys.FailFast, ConfigurationKeys.OtlpInsecure,
    ];

    /// <summary>Milliseconds, counts and limits: whole numbers, zero allowed.</summary>
    private static readonly string[] NonNegativeIntegers =
    [
        ConfigurationKeys.OtlpTimeout, ConfigurationKeys.BspScheduleDelay, ConfigurationKeys.BspExportTimeout, ConfigurationKeys.BlrpScheduleDelay,
        ConfigurationKeys.BlrpExportTimeout, ConfigurationKeys.AttributeValueLengthLimit, ConfigurationKeys.AttributeCountLimit,
        ConfigurationKeys.SpanAttributeValueLengthLimit, ConfigurationKeys.SpanAttributeCountLimit, ConfigurationKeys.SpanEventCountLimit,
        ConfigurationKeys.SpanLinkCountLimit, ConfigurationKeys.EventAttributeCountLimit, ConfigurationKeys.LinkAttributeCountLimit,
        ConfigurationKeys.LogRecordAttributeValueLengthLimit, ConfigurationKeys.LogRecordAttributeCountLimit, ConfigurationKeys.MetricExportTimeout,
        ConfigurationKeys.ShutdownTimeout,
    ];

    /// <summary>Queue and batch sizes and the export interval: zero makes no sense.</summary>
    private static readonly string[] PositiveIntegers =
    [
        ConfigurationKeys.BspMaxQueueSize, ConfigurationKeys.BspMaxExportBatchSize, ConfigurationKeys.BlrpMaxQueueSize,
        ConfigurationKeys.BlrpMaxExportBatchSize, ConfigurationKeys.MetricExportInterval,
    ];

    public IReadOnlyList<ConfigurationProblem> Validate(IReadOnlyDictionary<string, string> environment)
    {
        var problems = new List<ConfigurationProblem>();
        string? Get(string key) => environment.TryGetValue(key, out var value) ? value : null;

        foreach (var key in Booleans)
        {
            CheckBoolean(problems, key, Get(key));
        }

        foreach (var (key, value) in environment.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            if (key.StartsWith("OTEL_DOTNET_AUTO_", StringComparison.Ordinal)
                && (key.EndsWith("_INSTRUMENTATION_ENABLED", StringComparison.Ordinal) || key.EndsWith("_RESOURCE_DETECTOR_ENABLED", StringComparison.Ordinal))
                && Array.IndexOf(Booleans, key) < 0)
            {
                CheckBoolean(problems, key, value);
            }
        }

        CheckExporterList(problems, ConfigurationKeys.TracesExporter, Get(ConfigurationKeys.TracesExporter));
        CheckExporterList(problems, ConfigurationKeys.MetricsExporter, Get(ConfigurationKeys.MetricsExporter));
        CheckExporterList(problems, ConfigurationKeys.LogsExporter, Get(ConfigurationKeys.LogsExporter));

        CheckOtlp(problems, Get, null);
        foreach (var signal in ConfigurationKeys.Signals)
        {
            CheckOtlp(problems, Get, signal);
        }

        var sampler = Get(ConfigurationKeys.TracesSampler);
        CheckEnum(problems, ConfigurationKeys.TracesSampler, sampler, Samplers);
        var samplerArg = Get(ConfigurationKeys.TracesSamplerArg);
        if (samplerArg is not null && (sampler ?? string.Empty).Trim().EndsWith("traceidratio", StringComparison.OrdinalIgnoreCase))
        {
            if (!double.TryParse(samplerArg.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var ratio) || ratio < 0 || ratio > 1 || double.IsNaN(ratio))
            {
                problems.Add(new(ConfigurationKeys.TracesSamplerArg, samplerArg, "expected a ratio from 0 to 1 (e.g. 0.25) for sampler " + sampler!.Trim()));
            }
        }

        CheckList(problems, ConfigurationKeys.Propagators, Get(ConfigurationKeys.Propagators), PropagatorNames);
        CheckEnum(problems, ConfigurationKeys.LogLevel, Get(ConfigurationKeys.LogLevel), LogLevels);
        CheckEnum(problems, ConfigurationKeys.Logger, Get(ConfigurationKeys.Logger), Loggers);
        CheckEnum(problems, ConfigurationKeys.OtlpMetricsTemporality, Get(ConfigurationKeys.OtlpMetricsTemporality), Temporalities);
        CheckEnum(problems, ConfigurationKeys.OtlpMetricsHistogramAggregation, Get(ConfigurationKeys.OtlpMetricsHistogramAggregation), HistogramAggregations);
        CheckEnum(problems, ConfigurationKeys.MetricsExemplarFilter, Get(ConfigurationKeys.MetricsExemplarFilter), ExemplarFilters);

        foreach (var key in NonNegativeIntegers)
        {
            CheckInteger(problems, key, Get(key), 0);
        }

        foreach (var key in PositiveIntegers)
        {
            CheckInteger(problems, key, Get(key), 1);
        }

        CheckBatch(problems, Get, ConfigurationKeys.BspMaxExportBatchSize, ConfigurationKeys.BspMaxQueueSize, 512, 2048);
        CheckBatch(problems, Get, ConfigurationKeys.BlrpMaxExportBatchSize, ConfigurationKeys.BlrpMaxQueueSize, 512, 2048);

        var attributes = Get(ConfigurationKeys.ResourceAttributes);
        if (attributes is not null && !ResourceAttributes.TryParse(attributes, out _, out var bad))
        {
            problems.Add(new(ConfigurationKeys.ResourceAttributes, attributes, "'" + bad + "' is not key=value; expected key1=value1,key2=value2"));
        }

        var serviceName = Get(ConfigurationKeys.ServiceName);
        if (serviceName is not null && serviceName.Trim().Length == 0)
        {
            problems.Add(new(ConfigurationKeys.ServiceName, serviceName, "is empty; unset it or give the service a name"));
        }

        CheckStartupHooks(problems, Get(ConfigurationKeys.DotnetStartupHooks));
        return problems;
    }

    /// <summary>Values of header variables are secrets (API keys): only the names are shown.</summary>
    internal static string RedactHeaders(string value)
    {
        var names = new List<string>();
        foreach (var item in value.Split(','))
        {
            var eq = item.IndexOf('=', StringComparison.Ordinal);
            names.Add(eq > 0 ? item[..eq].Trim() + "=***" : "***");
        }

        return string.Join(',', names);
    }

    private static void CheckOtlp(List<ConfigurationProblem> problems, Func<string, string?> get, string? signal)
    {
        string Key(string setting) => signal is null ? ConfigurationKeys.OtlpPrefix + setting : ConfigurationKeys.OtlpSignalKey(signal, setting);

        CheckEnum(problems, Key("PROTOCOL"), get(Key("PROTOCOL")), Protocols, "http/json is not supported by the .NET OTLP exporter");
        CheckEnum(problems, Key("COMPRESSION"), get(Key("COMPRESSION")), Compressions);
        if (signal is not null)
        {
            CheckBoolean(problems, Key("INSECURE"), get(Key("INSECURE")));
            CheckInteger(problems, Key("TIMEOUT"), get(Key("TIMEOUT")), 0);
        }

        var endpoint = get(Key("ENDPOINT"));
        if (endpoint is not null
            && (!Uri.TryCreate(endpoint.Trim(), UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps) || uri.Host.Length == 0))
        {
            problems.Add(new(Key("ENDPOINT"), endpoint, "expected an absolute http:// or https:// URL, e.g. http://localhost:4317"));
        }

        var headers = get(Key("HEADERS"));
        if (headers is not null)
        {
            foreach (var item in headers.Split(','))
            {
                if (item.Trim().Length > 0 && item.IndexOf('=', StringComparison.Ordinal) <= 0)
                {
                    problems.Add(new(Key("HEADERS"), RedactHeaders(headers), "expected name1=value1,name2=value2 (values percent-encoded)"));
                    break;
                }
            }
        }

        foreach (var setting in new[] { "CERTIFICATE", "CLIENT_KEY", "CLIENT_CERTIFICATE" })
        {
            var file = get(Key(setting));
            if (!string.IsNullOrEmpty(file) && !File.Exists(file))
            {
                problems.Add(new(Key(setting), file, "file not found (expected a PEM file)"));
            }
        }

        if (string.IsNullOrEmpty(get(Key("CLIENT_KEY"))) != string.IsNullOrEmpty(get(Key("CLIENT_CERTIFICATE"))))
        {
            var missing = string.IsNullOrEmpty(get(Key("CLIENT_KEY"))) ? Key("CLIENT_KEY") : Key("CLIENT_CERTIFICATE");
            problems.Add(new(missing, string.Empty, "is not set: a client certificate needs both " + Key("CLIENT_CERTIFICATE") + " and " + Key("CLIENT_KEY")));
        }
    }

    private static void CheckBoolean(List<ConfigurationProblem> problems, string key, string? value)
    {
        if (value is null)
        {
            return;
        }

        var trimmed = value.Trim();
        if (!string.Equals(trimmed, "true", StringComparison.OrdinalIgnoreCase) && !string.Equals(trimmed, "false", StringComparison.OrdinalIgnoreCase))
        {
            problems.Add(new(key, value, "expected true or false"));
        }
    }

    private static void CheckEnum(List<ConfigurationProblem> problems, string key, string? value, string[] accepted, string? note = null)
    {
        if (value is null)
        {
            return;
        }

        if (!accepted.Contains(value.Trim(), StringComparer.OrdinalIgnoreCase))
        {
            var message = "expected one of: " + string.Join(", ", accepted);
            var closest = OptionParser.Closest(value.Trim().ToLowerInvariant(), accepted);
            if (OptionParser.Distance(value.Trim().ToLowerInvariant(), closest) <= 3)
            {
                message = "did you mean '" + closest + "'? " + message;
            }

            problems.Add(new(key, value, note is null ? message : message + " (" + note + ")"));
        }
    }

    private static void CheckList(List<ConfigurationProblem> problems, string key, string? value, string[] accepted)
    {
        if (value is null)
        {
            return;
        }

        var unknown = new List<string>();
        foreach (var item in value.Split(','))
        {
            var name = item.Trim();
            if (name.Length > 0 && !accepted.Contains(name, StringComparer.OrdinalIgnoreCase))
            {
                unknown.Add(name);
            }
        }

        if (unknown.Count > 0)
        {
            problems.Add(new(key, value, "unknown: " + string.Join(", ", unknown) + "; expected a comma-separated list of: " + string.Join(", ", accepted)));
        }
    }

    private static void CheckExporterList(List<ConfigurationProblem> problems, string key, string? value)
    {
        if (value is null)
        {
            return;
        }

        var before = problems.Count;
        CheckList(problems, key, value, Exporters);
        var items = value.Split(',').Select(i => i.Trim()).Where(i => i.Length > 0).ToList();
        if (problems.Count == before && items.Count > 1 && items.Contains("none", StringComparer.OrdinalIgnoreCase))
        {
            problems.Add(new(key, value, "'none' cannot be combined with other exporters"));
        }
    }

    private static void CheckInteger(List<ConfigurationProblem> problems, string key, string? value, long minimum)
    {
        if (value is null)
        {
            return;
        }

        if (!long.TryParse(value.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var number) || number < minimum || number > int.MaxValue)
        {
            problems.Add(new(key, value, minimum == 0 ? "expected a whole number, 0 or more" : "expected a whole number, 1 or more"));
        }
    }

    private static void CheckBatch(List<ConfigurationProblem> problems, Func<string, string?> get, string batchKey, string queueKey, long batchDefault, long queueDefault)
    {
        var batchText = get(batchKey);
        var queueText = get(queueKey);
        if (batchText is null && queueText is null)
        {
            return;
        }

        var batch = batchDefault;
        var queue = queueDefault;
        if ((batchText is not null && !long.TryParse(batchText.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out batch))
            || (queueText is not null && !long.TryParse(queueText.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out queue)))
        {
            return;
        }

        if (batch > queue)
        {
            problems.Add(new(batchKey, batchText ?? batchDefault.ToString(CultureInfo.InvariantCulture), string.Create(
                CultureInfo.InvariantCulture,
                $"must not exceed {queueKey} ({queue})")));
        }
    }

    /// <summary>A startup hook that does not exist stops every .NET app started with it.</summary>
    private static void CheckStartupHooks(List<ConfigurationProblem> problems, string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return;
        }

        foreach (var entry in value.Split(':'))
        {
            if (entry.Length > 0 && Path.IsPathRooted(entry) && !File.Exists(entry))
            {
                problems.Add(new(ConfigurationKeys.DotnetStartupHooks, value, "'" + entry + "' does not exist: every .NET app started with this environment fails to start"));
            }
        }
    }
}
