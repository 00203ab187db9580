// Signed export straight to CloudWatch, end to end inside the test process: the agent's own
// settings and OTLP setup (OtlpSetup.Apply + AwsHooks.ConfigureOtlp) build a real OTLP exporter
// for an https://xray.{region}.amazonaws.com/v1/traces (or logs) endpoint; its requests are sent
// to a local server that verifies the signature with an independent implementation and answers
// 403 when it does not match, as CloudWatch would.
using System.Diagnostics;
using CloudWatchApm.Agent.Aws.SigV4;
using CloudWatchApm.Agent.Configuration;
using CloudWatchApm.Agent.Pipeline;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Logs;
using OpenTelemetry.Trace;
using Xunit;

namespace CloudWatchApm.Agent.Tests.Aws.SigV4;

[Collection(AwsProcessStateCollection.Name)]
public sealed class SigV4ExportTests : IDisposable
{
    private const string AccessKey = "AKIDLOCALTEST";
    private const string SecretKey = "local/secret+key";
    private const string Token = "session-token-for-the-test";

    public void Dispose()
    {
        SigV4Export.RedirectForTests = null;
        SigV4Export.CredentialsForTests = null;
        SigV4Export.ClockForTests = null;
    }

    [Theory]
    [InlineData("https://xray.us-east-1.amazonaws.com/v1/traces", "TRACES", "xray", "us-east-1")]
    [InlineData("https://logs.eu-west-3.amazonaws.com/v1/logs", "LOGS", "logs", "eu-west-3")]
    [InlineData("https://xray.cn-north-1.amazonaws.com.cn/v1/traces", "TRACES", "xray", "cn-north-1")]
    public void CloudWatchOtlpEndpoint_CloudWatchUrl_IsRecognised(string url, string signal, string service, string region)
    {
        Assert.True(CloudWatchOtlpEndpoint.TryParse(new Uri(url), signal, out var endpoint));
        Assert.Equal(new CloudWatchOtlpEndpoint(service, region), endpoint);
    }

    [Theory]
    [InlineData("http://xray.us-east-1.amazonaws.com/v1/traces", "TRACES")]
    [InlineData("https://xray.us-east-1.amazonaws.com/v1/logs", "TRACES")]
    [InlineData("https://logs.us-east-1.amazonaws.com/v1/logs", "TRACES")]
    [InlineData("https://xray.us-east-1.amazonaws.com/v1/traces", "METRICS")]
    [InlineData("https://collector.example.com/v1/traces", "TRACES")]
    [InlineData("https://xray.amazonaws.com/v1/traces", "TRACES")]
    public void CloudWatchOtlpEndpoint_OtherUrl_IsNotSigned(string url, string signal)
        => Assert.False(CloudWatchOtlpEndpoint.TryParse(new Uri(url), signal, out _));

    [Fact]
    public void SigV4Export_LogsWithoutLogGroupHeader_WarnsClearly()
    {
        var warnings = new List<string>();
        var options = new OtlpExporterOptions { Protocol = OtlpExportProtocol.Grpc };

        var described = SigV4Export.TryConfigure(options, "LOGS", new Uri("https://logs.us-east-1.amazonaws.com/v1/logs"), [new("x-aws-log-stream", "s")], 10_000, warnings.Add);

        Assert.NotNull(described);
        Assert.Equal(OtlpExportProtocol.HttpProtobuf, options.Protocol);
        var warning = Assert.Single(warnings);
        Assert.Contains("x-aws-log-group", warning, StringComparison.Ordinal);
        Assert.Contains("OTEL_EXPORTER_OTLP_LOGS_HEADERS", warning, StringComparison.Ordinal);
    }

    [Fact]
    public void AwsHooks_GrpcProtocolToXRayEndpoint_IsForcedToHttpProtobuf()
    {
        var settings = Settings(new() { ["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"] = "https://xray.us-west-2.amazonaws.com/v1/traces" });
        var options = new OtlpExporterOptions();
        OtlpSetup.Apply(options, settings.Traces);
        Assert.Equal(OtlpExportProtocol.Grpc, options.Protocol);

        AwsHooks.ConfigureOtlp(options, settings.Traces);

        Assert.Equal(OtlpExportProtocol.HttpProtobuf, options.Protocol);
        Assert.Equal(new Uri("https://xray.us-west-2.amazonaws.com/v1/traces"), options.Endpoint);
    }

    [Fact]
    public void AwsHooks_OrdinaryCollectorEndpoint_IsLeftAlone()
    {
        var settings = Settings(new() { ["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"] = "http://localhost:4318/v1/traces", ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf" });
        var options = new OtlpExporterOptions();
        OtlpSetup.Apply(options, settings.Traces);
        var factory = options.HttpClientFactory;

        AwsHooks.ConfigureOtlp(options, settings.Traces);

        Assert.Same(factory, options.HttpClientFactory);
    }

    [Fact]
    public void SignedTraceExport_ToXRayEndpoint_EveryRequestCarriesAValidSignatureAndSessionToken()
    {
        var verifier = new IndependentSigV4Verifier(AccessKey, SecretKey, "us-west-2", "xray");
        using var server = CloudWatchFake(verifier);
        SigV4Export.RedirectForTests = server.BaseAddress;
        SigV4Export.CredentialsForTests = new StaticCredentialSource(new AwsCredentials(AccessKey, SecretKey, Token));
        var settings = Settings(new()
        {
            ["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"] = "https://xray.us-west-2.amazonaws.com/v1/traces",
            ["OTEL_EXPORTER_OTLP_COMPRESSION"] = "gzip",
        });

        ExportSpans(settings, count: 3);

        Assert.Equal(3, server.Requests.Count);
        Assert.All(server.Requests, request =>
        {
            Assert.True(verifier.Verify(request), verifier.LastFailure);
            Assert.Equal("/v1/traces", request.Path);
            Assert.Equal("xray.us-west-2.amazonaws.com", request.Header("Host"));
            Assert.Equal(Token, request.Header("X-Amz-Security-Token"));
            Assert.Equal("application/x-protobuf", request.Header("Content-Type"));
            Assert.Equal("gzip", request.Header("Content-Encoding"));
            Assert.Contains("x-amz-security-token", request.Header("Authorization"), StringComparison.Ordinal);
        });
    }

    [Fact]
    public void SignedTraceExport_WrongSecret_IsRejectedByTheVerifyingServer()
    {
        var verifier = new IndependentSigV4Verifier(AccessKey, SecretKey, "us-west-2", "xray");
        var rejected = 0;
        using var server = new LocalHttpServer(request =>
        {
            if (verifier.Verify(request))
            {
                return Ok();
            }

            Interlocked.Increment(ref rejected);
            return new LocalResponse(403, "{\"message\":\"The request signature we calculated does not match the signature you provided.\"}", "application/json");
        });
        SigV4Export.RedirectForTests = server.BaseAddress;
        SigV4Export.CredentialsForTests = new StaticCredentialSource(new AwsCredentials(AccessKey, "not-the-secret", null));

        ExportSpans(Settings(new() { ["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"] = "https://xray.us-west-2.amazonaws.com/v1/traces" }), count: 1);

        Assert.Equal(1, rejected);
        Assert.Contains("signature mismatch", verifier.LastFailure, StringComparison.Ordinal);
    }

    [Fact]
    public void IndependentVerifier_TamperedBody_IsRejected()
    {
        var verifier = new IndependentSigV4Verifier(AccessKey, SecretKey, "us-west-2", "xray");
        using var server = CloudWatchFake(verifier);
        SigV4Export.RedirectForTests = server.BaseAddress;
        SigV4Export.CredentialsForTests = new StaticCredentialSource(new AwsCredentials(AccessKey, SecretKey, null));
        ExportSpans(Settings(new() { ["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"] = "https://xray.us-west-2.amazonaws.com/v1/traces" }), count: 1);
        var request = Assert.Single(server.Requests);
        Assert.True(verifier.Verify(request), verifier.LastFailure);

        var tampered = request with { Body = [.. request.Body, 0] };

        Assert.False(verifier.Verify(tampered));
    }

    [Fact]
    public void SignedLogExport_ToLogsEndpoint_SignsForLogsIncludingTheLogGroupHeaders()
    {
        var verifier = new IndependentSigV4Verifier(AccessKey, SecretKey, "eu-west-1", "logs");
        using var server = CloudWatchFake(verifier);
        SigV4Export.RedirectForTests = server.BaseAddress;
        SigV4Export.CredentialsForTests = new StaticCredentialSource(new AwsCredentials(AccessKey, SecretKey, null));
        var settings = Settings(new()
        {
            ["OTEL_EXPORTER_OTLP_LOGS_ENDPOINT"] = "https://logs.eu-west-1.amazonaws.com/v1/logs",
            ["OTEL_EXPORTER_OTLP_LOGS_HEADERS"] = "x-aws-log-group=/app/orders,x-aws-log-stream=web-1",
        });

        using (var factory = LoggerFactory.Create(logging => logging.AddOpenTelemetry(o => o.AddOtlpExporter(e =>
        {
            OtlpSetup.Apply(e, settings.Logs);
            AwsHooks.ConfigureOtlp(e, settings.Logs);
            e.ExportProcessorType = ExportProcessorType.Simple;
        }))))
        {
            factory.CreateLogger("orders").LogInformation("order {Id} placed", 42);
        }

        var request = Assert.Single(server.Requests);
        Assert.True(verifier.Verify(request), verifier.LastFailure);
        Assert.Equal("/v1/logs", request.Path);
        Assert.True("/app/orders" == request.Header("x-aws-log-group"), string.Join("\n", request.HeaderList));
        Assert.Contains("x-aws-log-group;x-aws-log-stream", request.Header("Authorization"), StringComparison.Ordinal);
    }

    [Fact]
    public void SignedTraceExport_CredentialsFromTheAwsSdkDefaultChain_IncludeTheSessionToken()
    {
        var saved = new[] { "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN" }.ToDictionary(k => k, Environment.GetEnvironmentVariable);
        try
        {
            Environment.SetEnvironmentVariable("AWS_ACCESS_KEY_ID", AccessKey);
            Environment.SetEnvironmentVariable("AWS_SECRET_ACCESS_KEY", SecretKey);
            Environment.SetEnvironmentVariable("AWS_SESSION_TOKEN", Token);
            var verifier = new IndependentSigV4Verifier(AccessKey, SecretKey, "us-east-1", "xray");
            using var server = CloudWatchFake(verifier);
            SigV4Export.RedirectForTests = server.BaseAddress;

            ExportSpans(Settings(new() { ["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"] = "https://xray.us-east-1.amazonaws.com/v1/traces" }), count: 1);

            var request = Assert.Single(server.Requests);
            Assert.True(verifier.Verify(request), verifier.LastFailure);
            Assert.Equal(Token, request.Header("X-Amz-Security-Token"));
        }
        finally
        {
            foreach (var (key, value) in saved)
            {
                Environment.SetEnvironmentVariable(key, value);
            }
        }
    }

    private static AgentSettings Settings(Dictionary<string, string?> env) => AgentSettings.Load(new DictionaryEnvironment(env), "sigv4-test");

    private static LocalHttpServer CloudWatchFake(IndependentSigV4Verifier verifier)
        => new(request => verifier.Verify(request) ? Ok() : new LocalResponse(403, "{\"message\":\"signature mismatch\"}", "application/json"));

    private static LocalResponse Ok() => new(200, string.Empty, "application/x-protobuf");

    private static void ExportSpans(AgentSettings settings, int count)
    {
        using var source = new ActivitySource("SigV4ExportTests." + Guid.NewGuid().ToString("N"));
        using var provider = Sdk.CreateTracerProviderBuilder()
            .AddSource(source.Name)
            .AddOtlpExporter(o =>
            {
                OtlpSetup.Apply(o, settings.Traces);
                AwsHooks.ConfigureOtlp(o, settings.Traces);
                o.ExportProcessorType = ExportProcessorType.Simple;
            })
            .Build();

        for (var i = 0; i < count; i++)
        {
            using var activity = source.StartActivity("work-" + i);
            activity?.SetTag("i", i);
        }

        provider.ForceFlush(10_000);
    }
}
