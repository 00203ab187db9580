// Throwaway PKI for the TLS endpoint: a CA, a server certificate for 127.0.0.1/localhost and a
// client certificate, all signed by that CA and written as PEM files. A separate CA (rather
// than one self-signed leaf) is what exporters expect from OTEL_EXPORTER_OTLP_CERTIFICATE:
// some chain builders refuse a leaf as its own trust anchor. ECDSA P-256 keeps generation
// to a few milliseconds.
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace CloudWatchApm.Agent.IntegrationTests.Collector;

internal sealed class CollectorCertificates : IDisposable
{
    private const string ServerAuthOid = "1.3.6.1.5.5.7.3.1";
    private const string ClientAuthOid = "1.3.6.1.5.5.7.3.2";

    private CollectorCertificates(string directory, X509Certificate2 authority, X509Certificate2 server, X509Certificate2 client)
    {
        Directory = directory;
        Authority = authority;
        Server = server;
        Client = client;
        AuthorityPemPath = Path.Combine(directory, "ca.pem");
        ServerCertificatePemPath = Path.Combine(directory, "server.pem");
        ClientCertificatePemPath = Path.Combine(directory, "client.pem");
        ClientKeyPemPath = Path.Combine(directory, "client-key.pem");
    }

    public string Directory { get; }

    /// <summary>The CA certificate (public part only is written to disk).</summary>
    public X509Certificate2 Authority { get; }

    public X509Certificate2 Server { get; }

    public X509Certificate2 Client { get; }

    public string AuthorityPemPath { get; }

    public string ServerCertificatePemPath { get; }

    public string ClientCertificatePemPath { get; }

    /// <summary>PKCS#8 ("BEGIN PRIVATE KEY"), the form every OTLP SDK reads.</summary>
    public string ClientKeyPemPath { get; }

    public static CollectorCertificates Create()
    {
        var notBefore = DateTimeOffset.UtcNow.AddMinutes(-5);
        var notAfter = DateTimeOffset.UtcNow.AddDays(2);

        using var authorityKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var authorityRequest = new CertificateRequest("CN=CloudWatch APM mock collector CA", authorityKey, HashAlgorithmName.SHA256);
        authorityRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        authorityRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        authorityRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(authorityRequest.PublicKey, false));
        var authority = authorityRequest.CreateSelfSigned(notBefore, notAfter);

        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(IPAddress.Loopback);
        san.AddIpAddress(IPAddress.IPv6Loopback);
        san.AddDnsName("localhost");
        var server = Issue(authority, "CN=localhost", ServerAuthOid, san.Build(), notBefore, notAfter);
        var client = Issue(authority, "CN=CloudWatch APM mock collector client", ClientAuthOid, null, notBefore, notAfter);

        var directory = System.IO.Directory.CreateTempSubdirectory("cwapm-mock-collector-").FullName;
        var certificates = new CollectorCertificates(directory, authority, server, client);
        File.WriteAllText(certificates.AuthorityPemPath, authority.ExportCertificatePem());
        File.WriteAllText(certificates.ServerCertificatePemPath, server.ExportCertificatePem());
        File.WriteAllText(certificates.ClientCertificatePemPath, client.ExportCertificatePem());
        using (var clientKey = client.GetECDsaPrivateKey())
        {
            File.WriteAllText(certificates.ClientKeyPemPath, clientKey!.ExportPkcs8PrivateKeyPem());
        }

        return certificates;
    }

    public bool IsClientCertificate(X509Certificate? certificate) =>
        certificate is not null && certificate.GetCertHash(HashAlgorithmName.SHA256).AsSpan().SequenceEqual(Client.GetCertHash(HashAlgorithmName.SHA256));

    public void Dispose()
    {
        Authority.Dispose();
        Server.Dispose();
        Client.Dispose();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // A test process still holding a file open must not fail the test run on cleanup.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private static X509Certificate2 Issue(
        X509Certificate2 authority,
        string subject,
        string usageOid,
        X509Extension? subjectAlternativeName,
        DateTimeOffset notBefore,
        DateTimeOffset notAfter)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(usageOid)], false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(authority, true, false));
        if (subjectAlternativeName is not null)
        {
            request.CertificateExtensions.Add(subjectAlternativeName);
        }

        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7F; // a positive serial number, as RFC 5280 requires
        using var unsigned = request.Create(authority, notBefore, notAfter, serial);
        return unsigned.CopyWithPrivateKey(key);
    }
}
