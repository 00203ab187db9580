// OTLP headers and TLS files: what HTTP cannot carry, what the exporter sets itself and files
// that cannot be used become problems that name the variable, and are left out, so one bad
// entry never fails every export.
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using CloudWatchApm.Agent.Configuration;
using Xunit;

namespace CloudWatchApm.Agent.Tests.Configuration;

public sealed class OtlpExporterChecksTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("cwapm-tls-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static AgentSettings Load(params (string Key, string? Value)[] values)
        => AgentSettings.Load(new DictionaryEnvironment(values.ToDictionary(v => v.Key, v => v.Value)), "EntryApp");

    [Fact]
    public void Headers_EncodedCommaAndEquals_StayInsideTheValue()
    {
        var s = Load(("OTEL_EXPORTER_OTLP_HEADERS", "x-tenant=a%2Cb%3Dc, x-plus = 1+2 "));
        Assert.Equal([new("x-tenant", "a,b=c"), new("x-plus", "1+2")], s.Traces.Headers);
        Assert.Empty(s.Problems);
    }

    [Theory]
    [InlineData("bad name=v", "'bad name' is not a valid HTTP header name")]
    [InlineData("x%0Ay=v", "is not a valid HTTP header name")]
    [InlineData("Content-Length=5", "header 'Content-Length' is set by the exporter itself")]
    [InlineData("grpc-timeout=1S", "header 'grpc-timeout' is set by the exporter itself")]
    [InlineData("x-key=caf%C3%A9", "the value of header 'x-key' holds characters HTTP does not allow")]
    [InlineData("x-key=a%0D%0AInjected: 1", "the value of header 'x-key' holds characters HTTP does not allow")]
    public void Headers_UnusableEntry_IsLeftOutOthersKept(string entry, string problem)
    {
        var s = Load(("OTEL_EXPORTER_OTLP_HEADERS", "api-key=topsecret," + entry));
        Assert.Equal([new("api-key", "topsecret")], s.Traces.Headers);
        var line = Assert.Single(s.Problems);
        Assert.StartsWith("OTEL_EXPORTER_OTLP_HEADERS: ", line, StringComparison.Ordinal);
        Assert.Contains(problem, line, StringComparison.Ordinal);
        Assert.DoesNotContain("topsecret", line, StringComparison.Ordinal);
        Assert.DoesNotContain("caf", line, StringComparison.Ordinal);
        Assert.DoesNotContain("Injected", line, StringComparison.Ordinal);
    }

    [Fact]
    public void Headers_SameNameInAnotherCase_LaterWins()
    {
        var s = Load(("OTEL_EXPORTER_OTLP_HEADERS", "Api-Key=old,api-key=new"));
        Assert.Equal([new("api-key", "new")], s.Traces.Headers);
    }

    [Fact]
    public void Headers_PerSignalVariable_WinsForThatSignalOnly()
    {
        var s = Load(("OTEL_EXPORTER_OTLP_HEADERS", "a=1"), ("OTEL_EXPORTER_OTLP_METRICS_HEADERS", "b=2"));
        Assert.Equal([new("a", "1")], s.Traces.Headers);
        Assert.Equal([new("b", "2")], s.Metrics.Headers);
    }

    [Fact]
    public void Certificate_ValidPem_IsUsedByEverySignal()
    {
        var (ca, _, _) = WriteCertificates();
        var s = Load(("OTEL_EXPORTER_OTLP_CERTIFICATE", ca));
        Assert.Equal(ca, s.Traces.CertificatePath);
        Assert.Equal(ca, s.Metrics.CertificatePath);
        Assert.Equal(ca, s.Logs.CertificatePath);
        Assert.Empty(s.Problems);
    }

    [Fact]
    public void Certificate_PerSignal_WinsForThatSignal()
    {
        var (ca, other, _) = WriteCertificates();
        var s = Load(("OTEL_EXPORTER_OTLP_CERTIFICATE", ca), ("OTEL_EXPORTER_OTLP_METRICS_CERTIFICATE", other));
        Assert.Equal(ca, s.Traces.CertificatePath);
        Assert.Equal(other, s.Metrics.CertificatePath);
    }

    [Theory]
    [InlineData("missing", "does not exist or is not a file")]
    [InlineData("not-pem", "cannot be used as a CA certificate")]
    [InlineData("empty", "cannot be used as a CA certificate")]
    [InlineData("folder", "does not exist or is not a file")]
    public void Certificate_Unusable_OneProblemAndSystemTrust(string kind, string message)
    {
        var path = Path.Combine(_dir, kind);
        if (kind == "not-pem")
        {
            File.WriteAllText(path, "hello");
        }
        else if (kind == "empty")
        {
            File.WriteAllText(path, string.Empty);
        }
        else if (kind == "folder")
        {
            Directory.CreateDirectory(path);
        }

        var s = Load(("OTEL_EXPORTER_OTLP_CERTIFICATE", path));
        Assert.Null(s.Traces.CertificatePath);
        Assert.Null(s.Logs.CertificatePath);
        var problem = Assert.Single(s.Problems);
        Assert.StartsWith("OTEL_EXPORTER_OTLP_CERTIFICATE names '" + path + "'", problem, StringComparison.Ordinal);
        Assert.Contains(message, problem, StringComparison.Ordinal);
    }

    [Fact]
    public void ClientCertificate_ValidPair_IsUsed()
    {
        var (_, cert, key) = WriteCertificates();
        var s = Load(("OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE", cert), ("OTEL_EXPORTER_OTLP_CLIENT_KEY", key));
        Assert.Equal(cert, s.Traces.ClientCertificatePath);
        Assert.Equal(key, s.Traces.ClientKeyPath);
        Assert.Empty(s.Problems);
    }

    [Theory]
    [InlineData("OTEL_EXPORTER_OTLP_CLIENT_KEY", "OTEL_EXPORTER_OTLP_CLIENT_KEY is set but OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE is not")]
    [InlineData("OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE", "OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE is set but OTEL_EXPORTER_OTLP_CLIENT_KEY is not")]
    public void ClientCertificate_OnlyHalf_ProblemAndNone(string key, string message)
    {
        var (_, cert, _) = WriteCertificates();
        var s = Load((key, cert));
        Assert.Null(s.Traces.ClientCertificatePath);
        Assert.Null(s.Traces.ClientKeyPath);
        Assert.Contains(message, Assert.Single(s.Problems), StringComparison.Ordinal);
    }

    [Fact]
    public void ClientCertificate_KeyOfAnotherCertificate_ProblemAndNone()
    {
        var (ca, cert, _) = WriteCertificates();
        using var otherKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var wrongKey = Path.Combine(_dir, "wrong-key.pem");
        File.WriteAllText(wrongKey, otherKey.ExportPkcs8PrivateKeyPem());
        var s = Load(("OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE", cert), ("OTEL_EXPORTER_OTLP_CLIENT_KEY", wrongKey), ("OTEL_EXPORTER_OTLP_CERTIFICATE", ca));
        Assert.Null(s.Traces.ClientCertificatePath);
        Assert.Equal(ca, s.Traces.CertificatePath);
        var problem = Assert.Single(s.Problems);
        Assert.Contains("do not load as a PEM certificate and its private key", problem, StringComparison.Ordinal);
    }

    /// <summary>A CA, a second CA, and a client certificate with its key, as PEM files.</summary>
    private (string Ca, string Client, string Key) WriteCertificates()
    {
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=test CA", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        using var ca = caRequest.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        using var clientKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var client = new CertificateRequest("CN=client", clientKey, HashAlgorithmName.SHA256)
            .Create(ca, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1), [1, 2, 3, 4]);
        var caPath = Path.Combine(_dir, "ca.pem");
        var clientPath = Path.Combine(_dir, "client.pem");
        var keyPath = Path.Combine(_dir, "client-key.pem");
        File.WriteAllText(caPath, ca.ExportCertificatePem());
        File.WriteAllText(clientPath, client.ExportCertificatePem());
        File.WriteAllText(keyPath, clientKey.ExportPkcs8PrivateKeyPem());
        return (caPath, clientPath, keyPath);
    }
}
