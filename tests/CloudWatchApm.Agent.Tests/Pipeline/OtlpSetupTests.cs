// The exporter options the agent hands the SDK: everything from validated settings, headers on
// the agent's own HttpClient (never through the SDK's decode-then-split string), and nothing
// the SDK would read from a raw environment by itself.
using CloudWatchApm.Agent.Configuration;
using CloudWatchApm.Agent.Pipeline;
using OpenTelemetry.Exporter;
using Xunit;

namespace CloudWatchApm.Agent.Tests.Pipeline;

public sealed class OtlpSetupTests
{
    private static AgentSettings Load(params (string Key, string? Value)[] values)
        => AgentSettings.Load(new DictionaryEnvironment(values.ToDictionary(v => v.Key, v => v.Value)), "EntryApp");

    [Fact]
    public void Apply_HeadersWithEncodedComma_GoOnTheClientWhole()
    {
        var s = Load(("OTEL_EXPORTER_OTLP_HEADERS", "x-tenant=a%2Cb%3Dc,api-key=k"), ("OTEL_EXPORTER_OTLP_TIMEOUT", "1234"));
        var options = new OtlpExporterOptions { Headers = "raw=from-the-environment" };
        OtlpSetup.Apply(options, s.Traces);

        Assert.Null(options.Headers);
        using var client = options.HttpClientFactory();
        Assert.Equal(["a,b=c"], client.DefaultRequestHeaders.GetValues("x-tenant"));
        Assert.Equal(["k"], client.DefaultRequestHeaders.GetValues("api-key"));
        Assert.False(client.DefaultRequestHeaders.Contains("raw"));
        Assert.Equal(TimeSpan.FromMilliseconds(1234), client.Timeout);
    }

    [Fact]
    public void Apply_HttpProtobufGzip_SetsProtocolEndpointAndCompression()
    {
        var s = Load(("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf"), ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318/base"), ("OTEL_EXPORTER_OTLP_COMPRESSION", "gzip"));
        var options = new OtlpExporterOptions();
        OtlpSetup.Apply(options, s.Metrics);
        Assert.Equal(OtlpExportProtocol.HttpProtobuf, options.Protocol);
        Assert.Equal(new Uri("http://collector:4318/base/v1/metrics"), options.Endpoint);
        Assert.Equal(OtlpExportCompression.GZip, options.Compression);
    }

    [Fact]
    public void CreateHttpClient_TlsFilesGoneSinceStartup_ClientStillMade()
    {
        // Validated at startup, deleted since: a warning, never an exception in the exporter.
        var signal = new OtlpSignalSettings
        {
            Signal = "TRACES",
            Protocol = OtlpSignalSettings.Grpc,
            Endpoint = new Uri("https://collector:4317"),
            CertificatePath = "/nonexistent/ca.pem",
            ClientCertificatePath = "/nonexistent/client.pem",
            ClientKeyPath = "/nonexistent/client-key.pem",
        };
        using var client = OtlpSetup.CreateHttpClient(signal);
        Assert.NotNull(client);
    }

    [Fact]
    public void BuildSdkConfiguration_InvalidAndTlsValues_NeverReachTheSdk()
    {
        var environment = new DictionaryEnvironment(new Dictionary<string, string?>
        {
            ["OTEL_EXPORTER_OTLP_CERTIFICATE"] = "/nonexistent/ca.pem",
            ["OTEL_BLRP_MAX_QUEUE_SIZE"] = "-1",
            ["OTEL_ATTRIBUTE_COUNT_LIMIT"] = "12",
            ["OTEL_DOTNET_EXPERIMENTAL_OTLP_RETRY"] = "in_memory",
        });
        var configuration = OtlpSetup.BuildSdkConfiguration(AgentSettings.Load(environment, null), environment);
        Assert.Null(configuration["OTEL_EXPORTER_OTLP_CERTIFICATE"]);
        Assert.Equal("2048", configuration["OTEL_BLRP_MAX_QUEUE_SIZE"]);
        Assert.Equal("12", configuration["OTEL_ATTRIBUTE_COUNT_LIMIT"]);
        Assert.Equal("in_memory", configuration["OTEL_DOTNET_EXPERIMENTAL_OTLP_RETRY"]);
    }
}
