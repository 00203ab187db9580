// `cwapm doctor` from an installed home, against the mock collector: a verdict per check, a
// precise reason when something is wrong (closed port, untrusted certificate, invalid
// variable, a changed file in the home), and the exit code scripts rely on.
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using CloudWatchApm.Agent.IntegrationTests.Collector;
using CloudWatchApm.Agent.IntegrationTests.Infrastructure;
using Xunit;

namespace CloudWatchApm.Agent.IntegrationTests.Cli;

[Collection(InstalledCwapmCollection.Name)]
public sealed class CwapmDoctorTests(InstalledCwapm cwapm)
{
    [Theory]
    [InlineData("grpc")]
    [InlineData("http/protobuf")]
    public async Task Doctor_MockCollector_EveryCheckPassesAndTheTestSpanArrives(string protocol)
    {
        await using var collector = await MockCollector.StartAsync();
        var env = new Dictionary<string, string?>
        {
            ["OTEL_SERVICE_NAME"] = "doctor-ok",
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = protocol,
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = protocol == "grpc" ? collector.GrpcEndpoint : collector.HttpEndpoint,
        };

        var result = await cwapm.DoctorAsync(env);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("ok", result.Check("agent home").Status);
        Assert.Equal("ok", result.Check("configuration").Status);
        var check = result.Check("collector");
        Assert.Equal("ok", check.Status);
        Assert.StartsWith("exported a test span to ", check.Summary, StringComparison.Ordinal);
        var port = new Uri(protocol == "grpc" ? collector.GrpcEndpoint : collector.HttpEndpoint).Port;
        Assert.Contains($"127.0.0.1:{port}", check.Summary, StringComparison.Ordinal);
        var span = Assert.Single(collector.Spans);
        Assert.Equal("cwapm doctor test span", span.Name);
        Assert.Equal("doctor-ok", span.ResourceAttributes["service.name"]);
    }

    [Fact]
    public async Task Doctor_PortClosed_FailsNamingTheRefusedEndpoint()
    {
        var port = AppProcess.FreePort();
        var result = await cwapm.DoctorAsync(new Dictionary<string, string?> { ["OTEL_EXPORTER_OTLP_ENDPOINT"] = $"http://127.0.0.1:{port}" });

        Assert.True(result.ExitCode == 1, result.ToString());
        var check = result.Check("collector");
        Assert.Equal("fail", check.Status);
        Assert.Equal($"connection refused by 127.0.0.1:{port}: nothing listens on that port", check.Summary);
        Assert.Contains("fix: Start the collector", result.Stdout.Replace("\"fix\": \"", "fix: ", StringComparison.Ordinal), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("grpc")]
    [InlineData("http/protobuf")]
    public async Task Doctor_CertificateOfAnotherCa_FailsSayingTheCollectorIsNotTrusted(string protocol)
    {
        await using var collector = await MockCollector.StartAsync(new MockCollectorOptions { EnableTls = true });
        var wrongCa = Path.Combine(Path.GetTempPath(), "cwapm-it-wrong-ca-" + Guid.NewGuid().ToString("N") + ".pem");
        using (var key = ECDsa.Create(ECCurve.NamedCurves.nistP256))
        {
            var request = new CertificateRequest("CN=some other CA", key, HashAlgorithmName.SHA256);
            request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
            using var other = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
            await File.WriteAllTextAsync(wrongCa, other.ExportCertificatePem());
        }

        try
        {
            var env = new Dictionary<string, string?>
            {
                ["OTEL_EXPORTER_OTLP_PROTOCOL"] = protocol,
                ["OTEL_EXPORTER_OTLP_ENDPOINT"] = collector.TlsEndpoint,
                ["OTEL_EXPORTER_OTLP_CERTIFICATE"] = wrongCa,
            };
            var result = await cwapm.DoctorAsync(env);

            Assert.True(result.ExitCode == 1, result.ToString());
            var check = result.Check("collector");
            Assert.Equal("fail", check.Status);
            Assert.Equal($"TLS handshake with {new Uri(collector.TlsEndpoint).Authority} failed: the certificate is not signed by the CA in {wrongCa}", check.Summary);
            Assert.Empty(collector.Spans);

            // The right CA makes the same setup pass: it was the certificate, nothing else.
            env["OTEL_EXPORTER_OTLP_CERTIFICATE"] = collector.CertificatePemPath;
            var fixedResult = await cwapm.DoctorAsync(env);
            Assert.True(fixedResult.ExitCode == 0, fixedResult.ToString());
        }
        finally
        {
            File.Delete(wrongCa);
        }
    }

    [Fact]
    public async Task Doctor_InvalidVariables_FailsListingEveryProblemInTheAgentsWords()
    {
        await using var collector = await MockCollector.StartAsync();
        var env = new Dictionary<string, string?>
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = collector.GrpcEndpoint,
            ["OTEL_TRACES_SAMPLER"] = "sometimes",
            ["OTEL_BSP_SCHEDULE_DELAY"] = "-1",
            ["OTEL_EXPORTER_OTLP_HEADERS"] = "api-key=topsecret,broken",
            ["OTEL_PROPAGATORS"] = "tracecontext,b3mutli",
        };

        var result = await cwapm.DoctorAsync(env);

        Assert.True(result.ExitCode == 1, result.ToString());
        var check = result.Check("configuration");
        Assert.Equal("fail", check.Status);
        Assert.Equal("4 problems in the configuration", check.Summary);
        Assert.Contains("OTEL_TRACES_SAMPLER='sometimes' is not valid (accepted: always_on, always_off, traceidratio, parentbased_always_on, parentbased_always_off, parentbased_traceidratio, xray); using parentbased_always_on", check.Details);
        Assert.Contains("OTEL_BSP_SCHEDULE_DELAY='-1' is not valid (accepted: a non-negative integer); using 5000", check.Details);
        Assert.Contains(check.Details, d => d.StartsWith("OTEL_EXPORTER_OTLP_HEADERS is ignored: ", StringComparison.Ordinal));
        Assert.Contains(check.Details, d => d.StartsWith("OTEL_PROPAGATORS has 'b3mutli'", StringComparison.Ordinal) && d.Contains("did you mean 'b3multi'?", StringComparison.Ordinal));
        Assert.DoesNotContain("topsecret", result.Stdout, StringComparison.Ordinal);
        Assert.Equal("ok", result.Check("collector").Status);
    }

    [Fact]
    public async Task Doctor_FileChangedInTheHome_FailsNamingTheFile()
    {
        var damaged = Path.Combine(Path.GetTempPath(), "cwapm-it-damaged-" + Guid.NewGuid().ToString("N"));
        try
        {
            var install = await InstalledCwapm.RunAsync(cwapm.Cwapm, ["install", "--dir", damaged, "--from", cwapm.Tarball], new Dictionary<string, string?>());
            Assert.True(install.ExitCode == 0, install.ToString());
            // A file the build listed (agent/OpenTelemetry.dll, or agent/<tfm>/OpenTelemetry.dll).
            var changed = (await File.ReadAllLinesAsync(Path.Combine(damaged, "checksums.sha256")))
                .Select(line => line[(line.IndexOf(' ', StringComparison.Ordinal) + 2)..])
                .First(file => file.StartsWith("agent/", StringComparison.Ordinal) && file.EndsWith("/OpenTelemetry.dll", StringComparison.Ordinal));
            await File.AppendAllTextAsync(Path.Combine(damaged, changed), "x");

            var result = await InstalledCwapm.RunAsync(Path.Combine(damaged, "cwapm"), ["doctor", "--json"], new Dictionary<string, string?>());

            Assert.True(result.ExitCode == 1, result.ToString());
            var check = result.Check("agent home");
            Assert.Equal("fail", check.Status);
            Assert.Contains("is damaged: 1 changed", check.Summary, StringComparison.Ordinal);
            Assert.Contains("changed since the build: " + changed, check.Details);
        }
        finally
        {
            Directory.Delete(damaged, recursive: true);
        }
    }
}
