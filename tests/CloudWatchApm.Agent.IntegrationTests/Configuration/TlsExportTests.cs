// OTEL_EXPORTER_OTLP_CERTIFICATE, _CLIENT_KEY and _CLIENT_CERTIFICATE against a collector
// whose certificate is signed by a throwaway CA that no trust store knows: only the file the
// variable names can make the export work, over gRPC and over http/protobuf.
using CloudWatchApm.Agent.IntegrationTests.Collector;
using CloudWatchApm.Agent.IntegrationTests.Infrastructure;
using Xunit;

namespace CloudWatchApm.Agent.IntegrationTests.Configuration;

public sealed class TlsExportTests
{
    public TlsExportTests() => TestPaths.RequireAgentHome();

    [Theory]
    [InlineData("grpc")]
    [InlineData("http/protobuf")]
    public async Task Tls_SelfSignedCaInCertificateVariable_SpansAndMetricsArriveOverTls(string protocol)
    {
        await using var collector = await MockCollector.StartAsync(new MockCollectorOptions { EnableTls = true });
        var env = TlsEnv(collector, "tls", protocol);
        await using var app = await ConfigApps.StartWebAppAsync(env);

        await app.GetAsync("/users/6");
        await collector.WaitForSpanAsync(s => s.Name == "GET /users/{id}", ConfigApps.Wait);
        await collector.WaitForMetricAsync(_ => true, ConfigApps.Wait);
        Assert.True(await app.StopAsync(ConfigApps.Stop));

        Assert.All(collector.Requests, r => Assert.True(r.IsTls && r.Accepted, TelemetrySummary.Describe(r)));
        Assert.All(collector.Requests, r => Assert.Equal(protocol == "grpc" ? OtlpTransport.Grpc : OtlpTransport.Http, r.Transport));
    }

    [Theory]
    [InlineData("grpc")]
    [InlineData("http/protobuf")]
    public async Task MutualTls_ClientKeyAndCertificate_CollectorSeesTheClientCertificate(string protocol)
    {
        await using var collector = await MockCollector.StartAsync(new MockCollectorOptions { ClientCertificate = ClientCertificateRequirement.Required });
        var env = TlsEnv(collector, "mtls", protocol);
        env["OTEL_EXPORTER_OTLP_CLIENT_KEY"] = collector.ClientKeyPemPath;
        env["OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE"] = collector.ClientCertificatePemPath;
        await using var app = await ConfigApps.StartWebAppAsync(env);

        await app.GetAsync("/users/7");
        await collector.WaitForSpanAsync(s => s.Name == "GET /users/{id}", ConfigApps.Wait);
        await collector.WaitForMetricAsync(_ => true, ConfigApps.Wait);
        Assert.True(await app.StopAsync(ConfigApps.Stop));

        Assert.All(collector.Requests, r => Assert.True(r.IsTls && r.ClientCertificateMatched && r.Accepted, TelemetrySummary.Describe(r)));
        Assert.DoesNotContain(collector.TlsHandshakes, h => !h.Succeeded);
    }

    [Fact]
    public async Task MutualTls_WithoutClientCertificate_HandshakeRefusedAppStillServes()
    {
        await using var collector = await MockCollector.StartAsync(new MockCollectorOptions { ClientCertificate = ClientCertificateRequirement.Required });
        var env = TlsEnv(collector, "mtls-missing", "http/protobuf");
        await using var app = await ConfigApps.StartWebAppAsync(env);

        Assert.Equal("{\"id\":\"8\"}", await app.GetAsync("/users/8"));
        await collector.WaitForTlsHandshakesAsync(h => h.Any(x => !x.Succeeded), ConfigApps.Wait);
        Assert.Equal("{\"id\":\"9\"}", await app.GetAsync("/users/9"));
        Assert.True(await app.StopAsync(ConfigApps.Stop));
        Assert.Empty(collector.Spans);
    }

    [Fact]
    public async Task PerSignalCertificates_TracesAndMetricsEachTrustOnlyTheirOwnCollector()
    {
        await using var traces = await MockCollector.StartAsync(new MockCollectorOptions { EnableTls = true });
        await using var metrics = await MockCollector.StartAsync(new MockCollectorOptions { EnableTls = true });
        var env = ConfigApps.Env("per-signal-tls");
        env["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"] = traces.TlsEndpoint;
        env["OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE"] = traces.CertificatePemPath;
        env["OTEL_EXPORTER_OTLP_METRICS_PROTOCOL"] = "http/protobuf";
        env["OTEL_EXPORTER_OTLP_METRICS_ENDPOINT"] = metrics.TlsEndpoint + "/v1/metrics";
        env["OTEL_EXPORTER_OTLP_METRICS_CERTIFICATE"] = metrics.CertificatePemPath;
        env["OTEL_LOGS_EXPORTER"] = "none";
        await using var app = await ConfigApps.StartWebAppAsync(env);

        await app.GetAsync("/users/10");
        await traces.WaitForSpanAsync(s => s.Name == "GET /users/{id}", ConfigApps.Wait);
        await metrics.WaitForMetricAsync(_ => true, ConfigApps.Wait);
        Assert.True(await app.StopAsync(ConfigApps.Stop));
        Assert.DoesNotContain(traces.TlsHandshakes, h => !h.Succeeded);
        Assert.DoesNotContain(metrics.TlsHandshakes, h => !h.Succeeded);
    }

    [Fact]
    public async Task MissingCertificateFile_HostedAppStillServesExportsAndWarns()
    {
        // The ILogger exporter is built inside the app's host, whose configuration is the raw
        // environment: the SDK used to load this path itself and crash the app's first logger.
        await using var collector = await MockCollector.StartAsync();
        var env = ConfigApps.Env(collector, "missing-ca");
        env["OTEL_EXPORTER_OTLP_CERTIFICATE"] = "/nonexistent/ca.pem";
        env["OTEL_EXPORTER_OTLP_CLIENT_KEY"] = "/nonexistent/client-key.pem";
        await using var app = await ConfigApps.StartWebAppAsync(env);

        Assert.Equal("{\"id\":\"11\"}", await app.GetAsync("/users/11"));
        await collector.WaitForSpanAsync(s => s.Name == "GET /users/{id}", ConfigApps.Wait);
        Assert.True(await app.StopAsync(ConfigApps.Stop));
        var log = app.AgentLog();
        Assert.Contains("OTEL_EXPORTER_OTLP_CERTIFICATE names '/nonexistent/ca.pem', which does not exist", log, StringComparison.Ordinal);
        Assert.Contains("OTEL_EXPORTER_OTLP_CLIENT_KEY is set but OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE is not", log, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled exception", app.StandardError, StringComparison.Ordinal);
    }

    private static Dictionary<string, string?> TlsEnv(MockCollector collector, string service, string protocol)
    {
        var env = ConfigApps.Env(service);
        env["OTEL_EXPORTER_OTLP_PROTOCOL"] = protocol;
        env["OTEL_EXPORTER_OTLP_ENDPOINT"] = collector.TlsEndpoint;
        env["OTEL_EXPORTER_OTLP_CERTIFICATE"] = collector.CertificatePemPath;
        env["OTEL_LOGS_EXPORTER"] = "none";
        return env;
    }
}
