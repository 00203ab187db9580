// Every variable: its default, a valid value, and each kind of invalid value, which must
// become a problem naming the variable while the default is kept.
using CloudWatchApm.Agent.Configuration;
using Xunit;

namespace CloudWatchApm.Agent.Tests.Configuration;

public sealed class AgentSettingsTests
{
    private static AgentSettings Load(params (string Key, string? Value)[] values)
        => AgentSettings.Load(new DictionaryEnvironment(values.ToDictionary(v => v.Key, v => v.Value)), "EntryApp");

    [Fact]
    public void Defaults_NothingSet_MatchSpecification()
    {
        var s = Load();
        Assert.False(s.SdkDisabled);
        Assert.Equal("EntryApp", s.ServiceName);
        Assert.Equal(["otlp"], s.TracesExporters);
        Assert.Equal(["otlp"], s.MetricsExporters);
        Assert.Equal(["otlp"], s.LogsExporters);
        Assert.Equal("grpc", s.Traces.Protocol);
        Assert.Equal(new Uri("http://localhost:4317"), s.Traces.Endpoint);
        Assert.Equal(10_000, s.Traces.TimeoutMilliseconds);
        Assert.Equal("none", s.Traces.Compression);
        Assert.Equal("parentbased_always_on", s.Sampler);
        Assert.Equal(["tracecontext", "baggage"], s.Propagators);
        Assert.Equal(new BatchSettings(5000, 30000, 2048, 512), s.Bsp);
        Assert.Equal(new BatchSettings(1000, 30000, 2048, 512), s.Blrp);
        Assert.Equal(60000, s.MetricExportIntervalMilliseconds);
        Assert.Equal(30000, s.MetricExportTimeoutMilliseconds);
        Assert.Equal("trace_based", s.ExemplarFilter);
        Assert.Equal("cumulative", s.MetricsTemporality);
        Assert.Equal("explicit_bucket_histogram", s.HistogramAggregation);
        Assert.True(s.TracesEnabled && s.MetricsEnabled && s.LogsEnabled);
        Assert.False(s.FailFast);
        Assert.Empty(s.Problems);
    }

    [Theory]
    [InlineData("TRUE", true)]
    [InlineData("false", false)]
    [InlineData(" True ", true)]
    public void SdkDisabled_ValidBoolean_IsRead(string value, bool expected)
        => Assert.Equal(expected, Load(("OTEL_SDK_DISABLED", value)).SdkDisabled);

    [Theory]
    [InlineData("yes")]
    [InlineData("1")]
    [InlineData("flase")]
    public void SdkDisabled_InvalidBoolean_WarnsAndKeepsDefault(string value)
    {
        var s = Load(("OTEL_SDK_DISABLED", value));
        Assert.False(s.SdkDisabled);
        var problem = Assert.Single(s.Problems);
        Assert.Contains("OTEL_SDK_DISABLED", problem, StringComparison.Ordinal);
        Assert.Contains("true or false", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void EmptyValue_IsUnset_NoProblem()
    {
        var s = Load(("OTEL_SDK_DISABLED", ""), ("OTEL_TRACES_SAMPLER", "  "), ("OTEL_BSP_MAX_QUEUE_SIZE", ""));
        Assert.Empty(s.Problems);
        Assert.Equal("parentbased_always_on", s.Sampler);
    }

    [Fact]
    public void ServiceName_Precedence_EnvThenResourceAttributesThenEntry()
    {
        Assert.Equal("a", Load(("OTEL_SERVICE_NAME", "a"), ("OTEL_RESOURCE_ATTRIBUTES", "service.name=b")).ServiceName);
        Assert.Equal("b", Load(("OTEL_RESOURCE_ATTRIBUTES", "service.name=b")).ServiceName);
        Assert.Equal("EntryApp", Load().ServiceName);
    }

    [Fact]
    public void ServiceVersion_FromVariable_MapsToServiceVersion()
        => Assert.Equal("1.2.3", Load(("OTEL_SERVICE_VERSION", "1.2.3")).ServiceVersion);

    [Fact]
    public void ResourceAttributes_PercentEncoded_AreDecodedAndPlusStaysPlus()
    {
        var s = Load(("OTEL_RESOURCE_ATTRIBUTES", "team=a%20b,expr=1+1, deployment.environment.name = prod "));
        Assert.Contains(new KeyValuePair<string, string>("team", "a b"), s.ResourceAttributes);
        Assert.Contains(new KeyValuePair<string, string>("expr", "1+1"), s.ResourceAttributes);
        Assert.Contains(new KeyValuePair<string, string>("deployment.environment.name", "prod"), s.ResourceAttributes);
    }

    [Theory]
    [InlineData("a=%zz")]
    [InlineData("a=1,b")]
    [InlineData("a=%C3%28")]
    [InlineData("=x")]
    public void ResourceAttributes_DecodingError_DiscardsWholeVariable(string value)
    {
        var s = Load(("OTEL_RESOURCE_ATTRIBUTES", "good=1," + value));
        Assert.Empty(s.ResourceAttributes);
        Assert.Contains(s.Problems, p => p.Contains("OTEL_RESOURCE_ATTRIBUTES is discarded", StringComparison.Ordinal));
    }

    [Fact]
    public void Exporters_CommaListWithUnknown_KeepsKnownAndWarns()
    {
        var s = Load(("OTEL_TRACES_EXPORTER", "console, OTLP ,zipkin"));
        Assert.Equal(["console", "otlp"], s.TracesExporters);
        Assert.Contains(s.Problems, p => p.StartsWith("OTEL_TRACES_EXPORTER has 'zipkin', which is not valid", StringComparison.Ordinal) && p.EndsWith("it is skipped", StringComparison.Ordinal));
    }

    [Fact]
    public void Exporters_None_TurnsSignalOff()
        => Assert.Equal(["none"], Load(("OTEL_METRICS_EXPORTER", "none")).MetricsExporters);

    [Fact]
    public void Otlp_HttpProtobufGenericEndpoint_AppendsSignalPaths()
    {
        var s = Load(("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf"), ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318/base"));
        Assert.Equal(new Uri("http://collector:4318/base/v1/traces"), s.Traces.Endpoint);
        Assert.Equal(new Uri("http://collector:4318/base/v1/metrics"), s.Metrics.Endpoint);
        Assert.Equal(new Uri("http://collector:4318/base/v1/logs"), s.Logs.Endpoint);
    }

    [Fact]
    public void Otlp_HttpProtobufDefault_UsesPort4318()
        => Assert.Equal(new Uri("http://localhost:4318/v1/traces"), Load(("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf")).Traces.Endpoint);

    [Fact]
    public void Otlp_PerSignalEndpoint_IsUsedAsIsAndWins()
    {
        var s = Load(
            ("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf"),
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://generic:4318"),
            ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://traces:9999/custom"));
        Assert.Equal(new Uri("http://traces:9999/custom"), s.Traces.Endpoint);
        Assert.Equal(new Uri("http://generic:4318/v1/metrics"), s.Metrics.Endpoint);
    }

    [Fact]
    public void Otlp_PerSignalProtocolAndTimeout_WinOverGeneric()
    {
        var s = Load(
            ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"),
            ("OTEL_EXPORTER_OTLP_METRICS_PROTOCOL", "http/protobuf"),
            ("OTEL_EXPORTER_OTLP_TIMEOUT", "2000"),
            ("OTEL_EXPORTER_OTLP_LOGS_TIMEOUT", "3000"));
        Assert.Equal("grpc", s.Traces.Protocol);
        Assert.Equal("http/protobuf", s.Metrics.Protocol);
        Assert.Equal(new Uri("http://localhost:4318/v1/metrics"), s.Metrics.Endpoint);
        Assert.Equal(2000, s.Traces.TimeoutMilliseconds);
        Assert.Equal(3000, s.Logs.TimeoutMilliseconds);
    }

    [Theory]
    [InlineData("OTEL_EXPORTER_OTLP_ENDPOINT", "not a url")]
    [InlineData("OTEL_EXPORTER_OTLP_ENDPOINT", "ftp://x")]
    [InlineData("OTEL_EXPORTER_OTLP_PROTOCOL", "thrift")]
    [InlineData("OTEL_EXPORTER_OTLP_TIMEOUT", "-1")]
    [InlineData("OTEL_EXPORTER_OTLP_TIMEOUT", "10s")]
    [InlineData("OTEL_EXPORTER_OTLP_COMPRESSION", "zstd")]
    [InlineData("OTEL_EXPORTER_OTLP_INSECURE", "maybe")]
    [InlineData("OTEL_EXPORTER_OTLP_CERTIFICATE", "/does/not/exist.pem")]
    public void Otlp_InvalidValue_WarnsAndKeepsDefault(string key, string value)
    {
        var s = Load((key, value));
        Assert.Contains(s.Problems, p => p.Contains(key, StringComparison.Ordinal));
        Assert.Equal(new Uri("http://localhost:4317"), s.Traces.Endpoint);
        Assert.Equal(10_000, s.Traces.TimeoutMilliseconds);
        Assert.Equal("none", s.Traces.Compression);
    }

    [Fact]
    public void Otlp_TimeoutZero_MeansNoLimit()
        => Assert.True(Load(("OTEL_EXPORTER_OTLP_TIMEOUT", "0")).Traces.TimeoutMilliseconds >= 86_400_000);

    [Fact]
    public void Otlp_Headers_AreDecodedAndNeverEchoedInProblems()
    {
        var s = Load(("OTEL_EXPORTER_OTLP_HEADERS", "api-key=s%3Dcret,x-team=a b"));
        Assert.Contains(new KeyValuePair<string, string>("api-key", "s=cret"), s.Traces.Headers);
        Assert.DoesNotContain("s=cret", s.Traces.ToString(), StringComparison.Ordinal);

        var bad = Load(("OTEL_EXPORTER_OTLP_HEADERS", "api-key=%zzsecret"));
        Assert.Empty(bad.Traces.Headers);
        Assert.DoesNotContain(bad.Problems, p => p.Contains("secret", StringComparison.Ordinal));
        Assert.Contains(bad.Problems, p => p.Contains("OTEL_EXPORTER_OTLP_HEADERS", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("always_on")]
    [InlineData("ALWAYS_OFF")]
    [InlineData("traceidratio")]
    [InlineData("parentbased_always_off")]
    [InlineData("parentbased_traceidratio")]
    public void Sampler_KnownNames_AreAccepted(string name)
    {
        var s = Load(("OTEL_TRACES_SAMPLER", name));
        Assert.Equal(name.ToLowerInvariant(), s.Sampler);
        Assert.Empty(s.Problems);
    }

    [Fact]
    public void Sampler_Unknown_WarnsAndUsesDefault()
    {
        var s = Load(("OTEL_TRACES_SAMPLER", "sometimes"));
        Assert.Equal("parentbased_always_on", s.Sampler);
        Assert.Single(s.Problems);
    }

    [Theory]
    [InlineData("0.25", 0.25)]
    [InlineData("0", 0.0)]
    [InlineData("1", 1.0)]
    public void SamplerArg_ValidRatio_IsUsed(string arg, double expected)
        => Assert.Equal(expected, Load(("OTEL_TRACES_SAMPLER", "traceidratio"), ("OTEL_TRACES_SAMPLER_ARG", arg)).SamplerRatio);

    [Theory]
    [InlineData("1.5")]
    [InlineData("-0.1")]
    [InlineData("half")]
    public void SamplerArg_InvalidRatio_WarnsAndActsAsUnset(string arg)
    {
        var s = Load(("OTEL_TRACES_SAMPLER", "parentbased_traceidratio"), ("OTEL_TRACES_SAMPLER_ARG", arg));
        Assert.Equal(1.0, s.SamplerRatio);
        Assert.Contains(s.Problems, p => p.Contains("OTEL_TRACES_SAMPLER_ARG", StringComparison.Ordinal));
    }

    [Fact]
    public void Propagators_DuplicatesAndUnknown_AreDedupedAndSkipped()
    {
        var s = Load(("OTEL_PROPAGATORS", "b3,tracecontext,B3,jaeger,b3multi"));
        Assert.Equal(["b3", "tracecontext", "b3multi"], s.Propagators);
        Assert.Contains(s.Problems, p => p.Contains("jaeger", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("OTEL_TRACES_SAMPLER", "xray")]
    [InlineData("OTEL_AWS_APPLICATION_SIGNALS_ENABLED", "true")]
    public void Propagators_UnsetWithAwsFeature_IncludeXRay(string key, string value)
        => Assert.Equal(["tracecontext", "baggage", "xray"], Load((key, value)).Propagators);

    [Fact]
    public void Propagators_SetExplicitlyWithAwsFeature_AreKeptAsGiven()
        => Assert.Equal(["tracecontext"], Load(("OTEL_PROPAGATORS", "tracecontext"), ("OTEL_AWS_APPLICATION_SIGNALS_ENABLED", "true")).Propagators);

    [Fact]
    public void Propagators_None_DisablesPropagation()
        => Assert.Empty(Load(("OTEL_PROPAGATORS", "none")).Propagators);

    [Fact]
    public void Batch_ValidValues_AreRead()
    {
        var s = Load(("OTEL_BSP_SCHEDULE_DELAY", "100"), ("OTEL_BSP_MAX_QUEUE_SIZE", "10"), ("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "5"), ("OTEL_BLRP_EXPORT_TIMEOUT", "7"));
        Assert.Equal(new BatchSettings(100, 30000, 10, 5), s.Bsp);
        Assert.Equal(7, s.Blrp.ExportTimeoutMilliseconds);
    }

    [Fact]
    public void Batch_BatchLargerThanQueue_IsClampedWithWarning()
    {
        var s = Load(("OTEL_BSP_MAX_QUEUE_SIZE", "10"), ("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "50"));
        Assert.Equal(10, s.Bsp.MaxExportBatchSize);
        Assert.Single(s.Problems);
    }

    [Theory]
    [InlineData("OTEL_BSP_SCHEDULE_DELAY", "-5")]
    [InlineData("OTEL_BSP_MAX_QUEUE_SIZE", "0")]
    [InlineData("OTEL_BLRP_SCHEDULE_DELAY", "1e3")]
    [InlineData("OTEL_METRIC_EXPORT_INTERVAL", "abc")]
    [InlineData("OTEL_METRIC_EXPORT_TIMEOUT", "-1")]
    [InlineData("OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT", "-1")]
    [InlineData("OTEL_SPAN_EVENT_COUNT_LIMIT", "ten")]
    [InlineData("OTEL_LOGRECORD_ATTRIBUTE_COUNT_LIMIT", "1.5")]
    public void Numbers_Invalid_WarnAndKeepDefault(string key, string value)
    {
        var s = Load((key, value));
        var problem = Assert.Single(s.Problems);
        Assert.Contains(key + "='" + value + "'", problem, StringComparison.Ordinal);
        Assert.Equal(new BatchSettings(5000, 30000, 2048, 512), s.Bsp);
        Assert.Equal(60000, s.MetricExportIntervalMilliseconds);
    }

    [Fact]
    public void Limits_ValidValues_ReachSdkConfiguration()
    {
        var s = Load(("OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT", "12"), ("OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT", "100"));
        var config = s.Limits.AsConfiguration().Where(p => p.Value is not null).ToDictionary(p => p.Key, p => p.Value);
        Assert.Equal("12", config["OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT"]);
        Assert.Equal("100", config["OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT"]);
    }

    [Theory]
    [InlineData("OTEL_METRICS_EXEMPLAR_FILTER", "always_on")]
    [InlineData("OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE", "delta")]
    [InlineData("OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE", "LowMemory")]
    [InlineData("OTEL_EXPORTER_OTLP_METRICS_DEFAULT_HISTOGRAM_AGGREGATION", "base2_exponential_bucket_histogram")]
    [InlineData("OTEL_LOG_LEVEL", "debug")]
    [InlineData("OTEL_DOTNET_AUTO_LOGGER", "console")]
    public void Enums_ValidValues_NoProblem(string key, string value)
        => Assert.Empty(Load((key, value)).Problems);

    [Theory]
    [InlineData("OTEL_METRICS_EXEMPLAR_FILTER", "sometimes")]
    [InlineData("OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE", "both")]
    [InlineData("OTEL_EXPORTER_OTLP_METRICS_DEFAULT_HISTOGRAM_AGGREGATION", "log")]
    [InlineData("OTEL_LOG_LEVEL", "loud")]
    [InlineData("OTEL_DOTNET_AUTO_LOGGER", "syslog")]
    public void Enums_Unknown_WarnAndKeepDefault(string key, string value)
        => Assert.Contains(Load((key, value)).Problems, p => p.Contains(key, StringComparison.Ordinal));

    [Fact]
    public void InstrumentationSwitches_InheritFromSignalThenGlobal()
    {
        var s = Load(
            ("OTEL_DOTNET_AUTO_INSTRUMENTATION_ENABLED", "false"),
            ("OTEL_DOTNET_AUTO_TRACES_INSTRUMENTATION_ENABLED", "true"),
            ("OTEL_DOTNET_AUTO_TRACES_HTTPCLIENT_INSTRUMENTATION_ENABLED", "false"));
        Assert.True(s.IsInstrumentationEnabled("TRACES", "ASPNETCORE"));
        Assert.False(s.IsInstrumentationEnabled("TRACES", "HTTPCLIENT"));
        Assert.False(s.IsInstrumentationEnabled("METRICS", "ASPNETCORE"));
        Assert.Empty(s.Problems);
    }

    [Fact]
    public void InstrumentationSwitch_Typo_IsReportedAtStartup()
    {
        var s = Load(("OTEL_DOTNET_AUTO_TRACES_NPGSQL_INSTRUMENTATION_ENABLED", "flase"));
        Assert.Contains(s.Problems, p => p.Contains("OTEL_DOTNET_AUTO_TRACES_NPGSQL_INSTRUMENTATION_ENABLED", StringComparison.Ordinal));
        Assert.True(s.IsInstrumentationEnabled("TRACES", "NPGSQL"));
    }

    [Fact]
    public void ResourceDetectors_GlobalOffWithOneOn_Inherit()
    {
        var s = Load(("OTEL_DOTNET_AUTO_RESOURCE_DETECTOR_ENABLED", "false"), ("OTEL_DOTNET_AUTO_HOST_RESOURCE_DETECTOR_ENABLED", "true"));
        Assert.True(s.IsResourceDetectorEnabled("HOST"));
        Assert.False(s.IsResourceDetectorEnabled("PROCESS"));
    }

    [Fact]
    public void AdditionalSources_CommaListWithWildcards_AreKept()
        => Assert.Equal(["MyCompany.*", "Orders"], Load(("OTEL_DOTNET_AUTO_TRACES_ADDITIONAL_SOURCES", "MyCompany.*, Orders,,")).AdditionalTraceSources);

    [Fact]
    public void ManyProblems_AllReportedAtOnce()
    {
        var s = Load(("OTEL_SDK_DISABLED", "nope"), ("OTEL_TRACES_SAMPLER", "x"), ("OTEL_BSP_MAX_QUEUE_SIZE", "-3"), ("OTEL_PROPAGATORS", "zz"));
        Assert.Equal(4, s.Problems.Count);
    }

    [Theory]
    [InlineData("OTEL_EXPORTER_OTLP_PROTOCOL", "grcp", "did you mean 'grpc'?")]
    [InlineData("OTEL_TRACES_SAMPLER", "parentbased_traceidratoi", "did you mean 'parentbased_traceidratio'?")]
    [InlineData("OTEL_PROPAGATORS", "tracecontext,b3mutli", "did you mean 'b3multi'?")]
    [InlineData("OTEL_TRACES_EXPORTER", "otpl", "did you mean 'otlp'?")]
    [InlineData("OTEL_METRICS_EXEMPLAR_FILTER", "Trace-Based", "did you mean 'trace_based'?")]
    public void NearMiss_ProblemSuggestsTheValueMeant(string key, string value, string suggestion)
        => Assert.Contains(suggestion, Assert.Single(Load((key, value)).Problems), StringComparison.Ordinal);

    [Theory]
    [InlineData("OTEL_PROPAGATORS", "w3c")]
    [InlineData("OTEL_EXPORTER_OTLP_PROTOCOL", "thrift")]
    [InlineData("OTEL_TRACES_EXPORTER", "zipkin")]
    public void FarMiss_ProblemListsAcceptedValuesWithoutAGuess(string key, string value)
    {
        var problem = Assert.Single(Load((key, value)).Problems);
        Assert.StartsWith(key, problem, StringComparison.Ordinal);
        Assert.Contains("accepted: ", problem, StringComparison.Ordinal);
        Assert.DoesNotContain("did you mean", problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("OTEL_BSP_MAX_QUEUE_SIZE")]
    [InlineData("OTEL_BLRP_MAX_QUEUE_SIZE")]
    public void QueueSize_LargerThanTheAgentAllocates_CappedWithAProblem(string key)
    {
        var s = Load((key, "2147483647"));
        Assert.Equal(1_000_000, key.Contains("BSP", StringComparison.Ordinal) ? s.Bsp.MaxQueueSize : s.Blrp.MaxQueueSize);
        Assert.StartsWith(key + "=2147483647 is more than the agent allocates up front", Assert.Single(s.Problems), StringComparison.Ordinal);
    }
}
