using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Xunit;

namespace CloudWatchApm.Cli.Tests;

/// <summary>
/// The collector check against a real Kestrel server that answers like an OTLP receiver
/// (gRPC on an HTTP/2 port, HTTP/protobuf on an HTTP/1.1 port, gRPC over TLS with a private CA).
/// </summary>
public sealed class DoctorCollectorTests : IAsyncLifetime
{
    private readonly TempDirectory _temp = new();
    private WebApplication? _app;
    private int _grpcPort;
    private int _httpPort;
    private int _tlsPort;
    private string _caFile = string.Empty;

    /// <summary>The gRPC status the fake receiver answers with.</summary>
    private string _grpcStatus = "0";

    private byte[]? _received;
    private string? _receivedContentType;

    public async Task InitializeAsync()
    {
        var (ca, server) = CreateCertificates();
        _caFile = _temp.Combine("ca.pem");
        File.WriteAllText(_caFile, ca.ExportCertificatePem());
        // Port 0 and read back what was bound: a port picked beforehand can be taken in between.
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(IPAddress.Loopback, 0, o => o.Protocols = HttpProtocols.Http2);
            kestrel.Listen(IPAddress.Loopback, 0, o => o.Protocols = HttpProtocols.Http1);
            kestrel.Listen(IPAddress.Loopback, 0, o =>
            {
                o.Protocols = HttpProtocols.Http1AndHttp2;
                o.UseHttps(server);
            });
        });
        _app = builder.Build();
        _app.MapPost("/opentelemetry.proto.collector.trace.v1.TraceService/Export", async context =>
        {
            using var body = new MemoryStream();
            await context.Request.Body.CopyToAsync(body);
            _received = body.ToArray();
            _receivedContentType = context.Request.ContentType;
            context.Response.ContentType = "application/grpc";
            await context.Response.Body.WriteAsync(new byte[5]);
            context.Response.AppendTrailer("grpc-status", _grpcStatus);
            if (_grpcStatus != "0")
            {
                context.Response.AppendTrailer("grpc-message", "not here");
            }
        });
        _app.MapPost("/v1/traces", async context =>
        {
            using var body = new MemoryStream();
            await context.Request.Body.CopyToAsync(body);
            _received = body.ToArray();
            _receivedContentType = context.Request.ContentType;
            context.Response.ContentType = "application/x-protobuf";
        });
        await _app.StartAsync();
        var ports = _app.Urls.Select(a => new Uri(a).Port).ToList();
        (_grpcPort, _httpPort, _tlsPort) = (ports[0], ports[1], ports[2]);
    }

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }

        _temp.Dispose();
    }

    [Fact]
    public async Task Collector_Grpc_ExportsFramedSpanAndReportsTiming()
    {
        var result = await Check(("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:" + _grpcPort), ("OTEL_SERVICE_NAME", "checkout"));

        Assert.Equal(CheckStatus.Ok, result.Status);
        Assert.Matches(@"^exported a test span to 127\.0\.0\.1:\d+ over gRPC in \d+ ms$", result.Summary);
        Assert.Equal("application/grpc", _receivedContentType);
        Assert.Equal(0, _received![0]);
        Assert.Equal(_received.Length - 5, (int)BinaryPrimitives.ReadUInt32BigEndian(_received.AsSpan(1, 4)));
        var payload = Encoding.UTF8.GetString(_received);
        Assert.Contains("checkout", payload, StringComparison.Ordinal);
        Assert.Contains(OtlpTestSpan.SpanName, payload, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Collector_HttpProtobuf_PostsToV1Traces()
    {
        var result = await Check(("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf"), ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:" + _httpPort));

        Assert.Equal(CheckStatus.Ok, result.Status);
        Assert.Contains("/v1/traces over http/protobuf in ", result.Summary, StringComparison.Ordinal);
        Assert.Equal("application/x-protobuf", _receivedContentType);
        Assert.Equal(10, _received![0]);
    }

    [Fact]
    public async Task Collector_ClosedPort_SaysConnectionRefusedAndWhatToStart()
    {
        var port = FreePort();

        var result = await Check(("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:" + port));

        Assert.Equal(CheckStatus.Fail, result.Status);
        Assert.Equal("connection refused by 127.0.0.1:" + port + ": nothing listens on that port", result.Summary);
        Assert.Contains("Start the collector", result.Fix, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Collector_PortThatNeverAnswers_TimesOutWithConnectedMessage()
    {
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        var port = ((IPEndPoint)silent.LocalEndpoint).Port;

        var result = await Check(("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:" + port), ("OTEL_EXPORTER_OTLP_TIMEOUT", "2000"));

        Assert.Equal(CheckStatus.Fail, result.Status);
        Assert.Equal("timeout: connected to 127.0.0.1:" + port + " but no answer within 2000 ms", result.Summary);
    }

    [Fact]
    public async Task Collector_GrpcToHttp1Port_SaysWrongProtocol()
    {
        var result = await Check(("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:" + _httpPort));

        Assert.Equal(CheckStatus.Fail, result.Status);
        Assert.Contains("does not speak gRPC (HTTP/2)", result.Summary, StringComparison.Ordinal);
        Assert.Contains("use protocol http/protobuf", result.Fix, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Collector_HttpToGrpcPort_SaysWrongProtocol()
    {
        var result = await Check(("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf"), ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:" + _grpcPort));

        // Kestrel answers HTTP/1.1 on an HTTP/2-only port with 400; other servers close the connection.
        Assert.Equal(CheckStatus.Fail, result.Status);
        Assert.Contains("answered HTTP 400", result.Summary, StringComparison.Ordinal);
        Assert.Contains("use protocol grpc", result.Fix, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Collector_SignalEndpointWithWrongPath_Reports404AndTheRule()
    {
        var result = await Check(("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "http/protobuf"), ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://127.0.0.1:" + _httpPort + "/traces"));

        Assert.Equal(CheckStatus.Fail, result.Status);
        Assert.Contains("answered HTTP 404", result.Summary, StringComparison.Ordinal);
        Assert.Contains("is the base URL (no /v1/traces)", result.Fix, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Collector_GrpcStatusNotOk_NamesTheStatus()
    {
        _grpcStatus = "12";

        var result = await Check(("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:" + _grpcPort));

        Assert.Equal(CheckStatus.Fail, result.Status);
        Assert.Contains("gRPC status UNIMPLEMENTED (not here)", result.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Collector_TlsWithPrivateCa_WorksOnlyWithCertificateVariable()
    {
        var endpoint = ("OTEL_EXPORTER_OTLP_ENDPOINT", "https://localhost:" + _tlsPort);

        var untrusted = await Check(endpoint);
        var trusted = await Check(endpoint, ("OTEL_EXPORTER_OTLP_CERTIFICATE", _caFile));

        Assert.Equal(CheckStatus.Fail, untrusted.Status);
        Assert.Contains("TLS handshake with localhost:" + _tlsPort + " failed: the certificate is not trusted", untrusted.Summary, StringComparison.Ordinal);
        Assert.Contains("OTEL_EXPORTER_OTLP_CERTIFICATE", untrusted.Fix, StringComparison.Ordinal);
        Assert.Equal(CheckStatus.Ok, trusted.Status);
    }

    [Fact]
    public async Task Collector_AwsEndpointOverGrpc_FailsBeforeSending()
    {
        var result = await Check(("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "https://xray.us-east-1.amazonaws.com/v1/traces"));

        Assert.Equal(CheckStatus.Fail, result.Status);
        Assert.Equal("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT is an AWS endpoint, which takes OTLP over HTTP only, but the protocol is grpc", result.Summary);
        Assert.Equal("Set OTEL_EXPORTER_OTLP_TRACES_PROTOCOL=http/protobuf.", result.Fix);
    }

    [Fact]
    public async Task Collector_ClosedPortFromSignalVariable_AdviceNamesThatVariable()
    {
        var result = await Check(("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "http/protobuf"), ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://127.0.0.1:" + FreePort() + "/v1/traces"));

        Assert.Contains("point OTEL_EXPORTER_OTLP_TRACES_ENDPOINT where it listens", result.Fix, StringComparison.Ordinal);
        Assert.Contains(result.Details, d => d.Contains("from OTEL_EXPORTER_OTLP_TRACES_ENDPOINT)", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Collector_TracesExporterNotOtlp_Skipped()
    {
        var result = await Check(("OTEL_TRACES_EXPORTER", "console"));

        Assert.Equal(CheckStatus.Skip, result.Status);
    }

    [Fact]
    public void Collector_Resolve_FollowsSignalThenGenericThenDefault()
    {
        static CollectorCheck.Target Resolve(params (string Key, string Value)[] pairs)
        {
            var env = pairs.ToDictionary(p => p.Key, p => p.Value);
            Assert.True(CollectorCheck.TryResolve(k => env.TryGetValue(k, out var v) ? v : null, null, null, out var target, out _));
            return target!;
        }

        Assert.Equal("http://localhost:4317/opentelemetry.proto.collector.trace.v1.TraceService/Export", Resolve().Uri.ToString());
        Assert.Equal("http://localhost:4318/v1/traces", Resolve(("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf")).Uri.ToString());
        Assert.Equal("http://c:4318/prefix/v1/traces", Resolve(("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf"), ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318/prefix/")).Uri.ToString());
        Assert.Equal("http://t:1/custom", Resolve(("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "http/protobuf"), ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://t:1/custom"), ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://g:2")).Uri.ToString());
        Assert.Equal(TimeSpan.FromMilliseconds(1234), Resolve(("OTEL_EXPORTER_OTLP_TIMEOUT", "1234")).Timeout);
    }

    [Fact]
    public void Collector_ConnectionClosedWithoutAnswer_IsExplainedAsWrongProtocol()
    {
        var target = new CollectorCheck.Target(new Uri("http://127.0.0.1:4317/v1/traces"), "http/protobuf", TimeSpan.FromSeconds(1), null, null, null, null);
        var exception = new HttpRequestException(HttpRequestError.ResponseEnded, "The response ended prematurely.");

        var result = CollectorCheck.Explain(exception, target, connected: true, certificateProblem: null, timedOut: false);

        Assert.Equal("the server at 127.0.0.1:4317 does not answer OTLP over HTTP", result.Summary);
        Assert.Contains("use protocol grpc", result.Fix, StringComparison.Ordinal);
    }

    [Fact]
    public void Collector_UnresolvableHost_IsExplainedAsDns()
    {
        var target = new CollectorCheck.Target(new Uri("http://collector.invalid:4317/"), "grpc", TimeSpan.FromSeconds(1), null, null, null, null);
        var exception = new HttpRequestException(HttpRequestError.NameResolutionError, "Name or service not known", new SocketException((int)SocketError.HostNotFound));

        var result = CollectorCheck.Explain(exception, target, connected: false, certificateProblem: null, timedOut: false);

        Assert.Equal("DNS: cannot resolve host 'collector.invalid'", result.Summary);
    }

    private static Task<CheckResult> Check(params (string Key, string Value)[] pairs)
        => CollectorCheck.RunAsync(pairs.ToDictionary(p => p.Key, p => p.Value), null, null);

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static (X509Certificate2 Ca, X509Certificate2 Server) CreateCertificates()
    {
        using var caKey = RSA.Create(2048);
        var caRequest = new CertificateRequest("CN=cwapm test CA", caKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        var ca = caRequest.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));

        using var serverKey = RSA.Create(2048);
        var serverRequest = new CertificateRequest("CN=localhost", serverKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        serverRequest.CertificateExtensions.Add(names.Build());
        serverRequest.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        using var issued = serverRequest.Create(ca, DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddHours(12), [1, 2, 3, 4]);
        return (ca, issued.CopyWithPrivateKey(serverKey));
    }
}
