// Sends one real test span to the configured OTLP endpoint, the way the agent would, and
// turns every failure into what happened and what to do: refused, timeout, DNS, TLS,
// wrong protocol for the port, rejected by the server.
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using CloudWatchApm.Agent.Shared;

namespace CloudWatchApm.Cli.Doctor;

internal static class CollectorCheck
{
    internal const string Name = "collector";
    internal const string Grpc = "grpc";
    internal const string HttpProtobuf = "http/protobuf";
    internal const int DefaultTimeoutMilliseconds = 10_000;

    private static readonly string[] GrpcStatusNames =
    [
        "OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND", "ALREADY_EXISTS", "PERMISSION_DENIED",
        "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION", "ABORTED", "OUT_OF_RANGE", "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS", "UNAUTHENTICATED",
    ];

    /// <summary>Where and how the agent would export traces.</summary>
    internal sealed record Target(Uri Uri, string Protocol, TimeSpan Timeout, string? CaFile, string? ClientCertificate, string? ClientKey, string? Headers)
    {
        /// <summary>Where the endpoint came from (a variable name, --endpoint, or the default), for the advice.</summary>
        internal string Source { get; init; } = ConfigurationKeys.OtlpEndpoint;
    }

    internal static CheckResult Run(IReadOnlyDictionary<string, string> environment, string? endpointOverride, string? protocolOverride)
        => RunAsync(environment, endpointOverride, protocolOverride).GetAwaiter().GetResult();

    internal static async Task<CheckResult> RunAsync(IReadOnlyDictionary<string, string> environment, string? endpointOverride, string? protocolOverride)
    {
        string? Get(string key) => environment.TryGetValue(key, out var value) && value.Trim().Length > 0 ? value.Trim() : null;

        var exporters = Get(ConfigurationKeys.TracesExporter);
        if (endpointOverride is null && exporters is not null && !exporters.Split(',').Any(e => e.Trim().Equals("otlp", StringComparison.OrdinalIgnoreCase)))
        {
            return new CheckResult(Name, CheckStatus.Skip, ConfigurationKeys.TracesExporter + "=" + exporters + ": traces do not go to a collector");
        }

        if (!TryResolve(Get, endpointOverride, protocolOverride, out var target, out var problem))
        {
            return new CheckResult(Name, CheckStatus.Fail, problem!)
            {
                Fix = "Set " + ConfigurationKeys.OtlpEndpoint + " to the collector's URL, e.g. http://localhost:4317 (gRPC) or http://localhost:4318 (http/protobuf).",
            };
        }

        if (target!.Protocol == Grpc && IsAws(target.Uri))
        {
            return new CheckResult(Name, CheckStatus.Fail, target.Source + " is an AWS endpoint, which takes OTLP over HTTP only, but the protocol is grpc")
            {
                Fix = "Set " + ConfigurationKeys.OtlpSignalKey("TRACES", "PROTOCOL") + "=http/protobuf.",
            };
        }

        var serviceName = Get(ConfigurationKeys.ServiceName) ?? "cwapm-doctor";
        var result = await ExportAsync(target, serviceName).ConfigureAwait(false);
        result.Details.Insert(0, "endpoint: " + target.Uri + " (" + target.Protocol + ", from " + target.Source + ")");
        return result;
    }

    /// <summary>The traces endpoint as the agent resolves it: the per-signal variables first, then the generic ones.</summary>
    internal static bool TryResolve(Func<string, string?> get, string? endpointOverride, string? protocolOverride, out Target? target, out string? problem)
    {
        target = null;
        problem = null;
        string TracesKey(string setting) => ConfigurationKeys.OtlpSignalKey("TRACES", setting);

        var protocol = (protocolOverride ?? get(TracesKey("PROTOCOL")) ?? get(ConfigurationKeys.OtlpProtocol) ?? Grpc).ToLowerInvariant();
        if (protocol is not (Grpc or HttpProtobuf))
        {
            problem = "protocol '" + protocol + "' is not supported; expected grpc or http/protobuf";
            return false;
        }

        string text;
        string source;
        var appendPath = false;
        if (endpointOverride is not null)
        {
            (text, source) = (endpointOverride, "--endpoint");
            appendPath = true;
        }
        else if (get(TracesKey("ENDPOINT")) is { } signalEndpoint)
        {
            (text, source) = (signalEndpoint, TracesKey("ENDPOINT"));
        }
        else if (get(ConfigurationKeys.OtlpEndpoint) is { } endpoint)
        {
            (text, source) = (endpoint, ConfigurationKeys.OtlpEndpoint);
            appendPath = true;
        }
        else
        {
            text = protocol == Grpc ? "http://localhost:4317" : "http://localhost:4318";
            source = ConfigurationKeys.OtlpEndpoint + " (unset: the default)";
            appendPath = true;
        }

        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            problem = "endpoint '" + text + "' is not an http:// or https:// URL";
            return false;
        }

        if (protocol == Grpc)
        {
            // gRPC names the method in the path; a path in the endpoint is not used.
            uri = new Uri(uri.GetLeftPart(UriPartial.Authority) + OtlpTestSpan.GrpcPath);
        }
        else if (appendPath && !uri.AbsolutePath.EndsWith(OtlpTestSpan.HttpPath, StringComparison.Ordinal))
        {
            uri = new Uri(uri.GetLeftPart(UriPartial.Authority) + uri.AbsolutePath.TrimEnd('/') + OtlpTestSpan.HttpPath);
        }

        var timeoutText = get(TracesKey("TIMEOUT")) ?? get(ConfigurationKeys.OtlpTimeout);
        var timeout = int.TryParse(timeoutText, NumberStyles.None, CultureInfo.InvariantCulture, out var ms) && ms > 0 ? ms : DefaultTimeoutMilliseconds;
        target = new Target(
            uri,
            protocol,
            TimeSpan.FromMilliseconds(timeout),
            get(TracesKey("CERTIFICATE")) ?? get(ConfigurationKeys.OtlpCertificate),
            get(TracesKey("CLIENT_CERTIFICATE")) ?? get(ConfigurationKeys.OtlpClientCertificate),
            get(TracesKey("CLIENT_KEY")) ?? get(ConfigurationKeys.OtlpClientKey),
            get(TracesKey("HEADERS")) ?? get(ConfigurationKeys.OtlpHeaders))
        {
            Source = source,
        };
        return true;
    }

    internal static async Task<CheckResult> ExportAsync(Target target, string serviceName)
    {
        var connected = false;
        string? certificateProblem = null;
        using var handler = new SocketsHttpHandler { UseProxy = false, AllowAutoRedirect = false };
        handler.ConnectCallback = async (context, token) =>
        {
            var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(context.DnsEndPoint, token).ConfigureAwait(false);
                connected = true;
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        };

        if (target.Uri.Scheme == Uri.UriSchemeHttps)
        {
            try
            {
                ConfigureTls(handler, target, p => certificateProblem = p);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException or ArgumentException)
            {
                return new CheckResult(Name, CheckStatus.Fail, "cannot load the TLS certificate files: " + ex.Message)
                {
                    Fix = "Point " + ConfigurationKeys.OtlpCertificate + " at a PEM file with the collector's CA certificate (and the client certificate/key variables at PEM files).",
                };
            }
        }

        using var client = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
        var message = OtlpTestSpan.Build(serviceName, DateTimeOffset.UtcNow, TimeSpan.FromMilliseconds(1), out var traceId);
        using var request = new HttpRequestMessage(HttpMethod.Post, target.Uri);
        if (target.Protocol == Grpc)
        {
            request.Version = HttpVersion.Version20;
            request.VersionPolicy = HttpVersionPolicy.RequestVersionExact;
            request.Content = new ByteArrayContent(OtlpTestSpan.GrpcFrame(message));
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/grpc");
            request.Headers.TryAddWithoutValidation("te", "trailers");
        }
        else
        {
            request.Content = new ByteArrayContent(message);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/x-protobuf");
        }

        foreach (var (name, value) in ParseHeaders(target.Headers))
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        using var cts = new CancellationTokenSource(target.Timeout);
        var watch = Stopwatch.StartNew();
        try
        {
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseContentRead, cts.Token).ConfigureAwait(false);
            var body = await response.Content.ReadAsByteArrayAsync(cts.Token).ConfigureAwait(false);
            watch.Stop();
            var result = target.Protocol == Grpc ? GrpcVerdict(target, response) : HttpVerdict(target, response, body);
            result.Summary += string.Create(CultureInfo.InvariantCulture, $" in {watch.ElapsedMilliseconds} ms");
            if (result.Status == CheckStatus.Ok)
            {
                result.Details.Add("test span '" + OtlpTestSpan.SpanName + "' of service '" + serviceName + "', trace id " + traceId);
            }

            return result;
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException or IOException or AuthenticationException)
        {
            watch.Stop();
            var result = Explain(ex, target, connected, certificateProblem, cts.IsCancellationRequested);
            result.Details.Add(string.Create(CultureInfo.InvariantCulture, $"failed after {watch.ElapsedMilliseconds} ms: {Flatten(ex)}"));
            return result;
        }
    }

    /// <summary>The failure in words, from the exception chain.</summary>
    internal static CheckResult Explain(Exception ex, Target target, bool connected, string? certificateProblem, bool timedOut)
    {
        var host = target.Uri.Host;
        var hostPort = target.Uri.Authority;
        var otherPort = OtherPort(target.Protocol);
        var endpointFix = "Check " + target.Source + ": OTLP collectors listen on 4317 (gRPC) and 4318 (HTTP).";

        if (timedOut || ex is OperationCanceledException)
        {
            var ms = (long)target.Timeout.TotalMilliseconds;
            return connected
                ? new CheckResult(Name, CheckStatus.Fail, string.Create(CultureInfo.InvariantCulture, $"timeout: connected to {hostPort} but no answer within {ms} ms"))
                {
                    Fix = "The port accepts connections but does not answer OTLP: check it is the collector's OTLP receiver (" + otherPort + "). Raise " + ConfigurationKeys.OtlpTimeout + " if the collector is slow.",
                }
                : new CheckResult(Name, CheckStatus.Fail, string.Create(CultureInfo.InvariantCulture, $"timeout: no connection to {hostPort} within {ms} ms"))
                {
                    Fix = "Packets to the port are dropped: check the host is up and that firewalls or security groups allow the port.",
                };
        }

        for (var inner = ex; inner is not null; inner = inner.InnerException)
        {
            if (inner is SocketException socket)
            {
                switch (socket.SocketErrorCode)
                {
                    case SocketError.ConnectionRefused:
                        return new CheckResult(Name, CheckStatus.Fail, "connection refused by " + hostPort + ": nothing listens on that port")
                        {
                            Fix = "Start the collector that should receive the data (the CloudWatch agent with its OTLP receiver, or an OpenTelemetry Collector), or point "
                                + target.Source + " where it listens (OTLP: 4317 gRPC, 4318 HTTP).",
                        };
                    case SocketError.HostNotFound:
                    case SocketError.NoData:
                    case SocketError.TryAgain:
                        return new CheckResult(Name, CheckStatus.Fail, "DNS: cannot resolve host '" + host + "'")
                        {
                            Fix = "Check the host name in " + target.Source + " (a typo, or a service name that only resolves inside the cluster/network of the app).",
                        };
                    case SocketError.NetworkUnreachable:
                    case SocketError.HostUnreachable:
                        return new CheckResult(Name, CheckStatus.Fail, "no route to " + hostPort + " (" + socket.SocketErrorCode + ")") { Fix = endpointFix };
                    case SocketError.TimedOut:
                        return new CheckResult(Name, CheckStatus.Fail, "timeout: no connection to " + hostPort)
                        {
                            Fix = "Packets to the port are dropped: check the host is up and that firewalls or security groups allow the port.",
                        };
                    case SocketError.ConnectionReset:
                        return new CheckResult(Name, CheckStatus.Fail, "connection reset by " + hostPort)
                        {
                            Fix = target.Uri.Scheme == Uri.UriSchemeHttp
                                ? "The server closed the connection: if it expects TLS use https://; otherwise " + otherPort + "."
                                : "The server closed the connection during TLS: check it serves TLS on this port, or use http:// for a plaintext collector.",
                        };
                }
            }

            if (inner is AuthenticationException authentication)
            {
                return new CheckResult(Name, CheckStatus.Fail, "TLS handshake with " + hostPort + " failed: " + (certificateProblem ?? authentication.Message))
                {
                    Fix = certificateProblem is not null
                        ? "The collector's certificate is not trusted or does not name '" + host + "': set " + ConfigurationKeys.OtlpCertificate
                            + " to the PEM of the CA that signed it, and use the host name the certificate was issued for."
                        : "Check the collector serves TLS on this port (use http:// for a plaintext collector); for a private CA set " + ConfigurationKeys.OtlpCertificate + ".",
                };
            }
        }

        if (ex is HttpRequestException http)
        {
            switch (http.HttpRequestError)
            {
                case HttpRequestError.NameResolutionError:
                    return new CheckResult(Name, CheckStatus.Fail, "DNS: cannot resolve host '" + host + "'") { Fix = endpointFix };
                case HttpRequestError.SecureConnectionError:
                    return new CheckResult(Name, CheckStatus.Fail, "TLS handshake with " + hostPort + " failed")
                    {
                        Fix = "Check the collector serves TLS on this port; for a private CA set " + ConfigurationKeys.OtlpCertificate + ".",
                    };
                case HttpRequestError.HttpProtocolError:
                case HttpRequestError.InvalidResponse:
                case HttpRequestError.ResponseEnded:
                case HttpRequestError.VersionNegotiationError:
                    return new CheckResult(Name, CheckStatus.Fail, target.Protocol == Grpc
                        ? "the server at " + hostPort + " does not speak gRPC (HTTP/2)"
                        : "the server at " + hostPort + " does not answer OTLP over HTTP")
                    {
                        Fix = "Wrong port or protocol: " + otherPort + (target.Uri.Scheme == Uri.UriSchemeHttp ? "; if the collector requires TLS use https://." : "."),
                    };
            }
        }

        return new CheckResult(Name, CheckStatus.Fail, "export to " + hostPort + " failed: " + ex.Message) { Fix = endpointFix };
    }

    internal static List<KeyValuePair<string, string>> ParseHeaders(string? text)
    {
        var headers = new List<KeyValuePair<string, string>>();
        if (string.IsNullOrWhiteSpace(text))
        {
            return headers;
        }

        foreach (var item in text.Split(','))
        {
            var eq = item.IndexOf('=', StringComparison.Ordinal);
            if (eq > 0)
            {
                headers.Add(new(Uri.UnescapeDataString(item[..eq].Trim()), Uri.UnescapeDataString(item[(eq + 1)..].Trim())));
            }
        }

        return headers;
    }

    private static CheckResult GrpcVerdict(Target target, HttpResponseMessage response)
    {
        var hostPort = target.Uri.Authority;
        if (response.StatusCode != HttpStatusCode.OK)
        {
            return new CheckResult(Name, CheckStatus.Fail, string.Create(CultureInfo.InvariantCulture, $"{hostPort} answered HTTP {(int)response.StatusCode} to a gRPC call: not a gRPC OTLP receiver"))
            {
                Fix = "Use the collector's gRPC port (4317), or protocol http/protobuf with its HTTP port (4318).",
            };
        }

        var status = Header(response.TrailingHeaders, "grpc-status") ?? Header(response.Headers, "grpc-status");
        var grpcMessage = Header(response.TrailingHeaders, "grpc-message") ?? Header(response.Headers, "grpc-message");
        if (status is null)
        {
            return new CheckResult(Name, CheckStatus.Fail, hostPort + " answered without grpc-status: not a gRPC server")
            {
                Fix = "Use the collector's gRPC port (4317), or protocol http/protobuf with its HTTP port (4318).",
            };
        }

        if (status == "0")
        {
            return new CheckResult(Name, CheckStatus.Ok, "exported a test span to " + hostPort + " over gRPC");
        }

        var code = int.TryParse(status, NumberStyles.None, CultureInfo.InvariantCulture, out var c) && c < GrpcStatusNames.Length ? GrpcStatusNames[c] : status;
        var result = new CheckResult(Name, CheckStatus.Fail, "the collector rejected the test span: gRPC status " + code + (grpcMessage is null ? string.Empty : " (" + Uri.UnescapeDataString(grpcMessage) + ")"));
        result.Fix = code switch
        {
            "UNIMPLEMENTED" => "The server has no OTLP trace service: enable the OTLP receiver with traces in the collector's configuration.",
            "UNAUTHENTICATED" or "PERMISSION_DENIED" => "The collector wants credentials: set " + ConfigurationKeys.OtlpHeaders + " (e.g. an API key header).",
            "UNAVAILABLE" or "RESOURCE_EXHAUSTED" => "The collector is overloaded or shutting down: check its own log.",
            _ => "Check the collector's log for the reason.",
        };
        return result;
    }

    private static CheckResult HttpVerdict(Target target, HttpResponseMessage response, byte[] body)
    {
        var hostPort = target.Uri.Authority;
        var code = (int)response.StatusCode;
        if (code is >= 200 and < 300)
        {
            return new CheckResult(Name, CheckStatus.Ok, "exported a test span to " + target.Uri + " over http/protobuf");
        }

        if (IsAws(target.Uri) && code == 403)
        {
            var aws = new CheckResult(Name, CheckStatus.Ok, "reached " + hostPort + " (DNS, TCP and TLS work); AWS refused the unsigned test span (HTTP 403), as expected");
            aws.Details.Add("the agent signs OTLP requests to AWS endpoints with SigV4; see the aws credentials check");
            return aws;
        }

        var text = System.Text.Encoding.UTF8.GetString(body, 0, Math.Min(body.Length, 300)).ReplaceLineEndings(" ").Trim();
        var result = new CheckResult(Name, CheckStatus.Fail, string.Create(CultureInfo.InvariantCulture, $"{hostPort} answered HTTP {code} {response.ReasonPhrase}"));
        if (text.Length > 0 && text.All(ch => !char.IsControl(ch)))
        {
            result.Details.Add("response: " + text);
        }

        result.Fix = code switch
        {
            404 => "No OTLP traces receiver at " + target.Uri.AbsolutePath + ": " + ConfigurationKeys.OtlpEndpoint + " is the base URL (no /v1/traces), "
                + ConfigurationKeys.OtlpSignalKey("TRACES", "ENDPOINT") + " the full one.",
            400 => "The server refused the request as malformed; wrong port or protocol? " + OtherPort(target.Protocol) + ".",
            401 or 403 => "The collector wants credentials: set " + ConfigurationKeys.OtlpHeaders + ".",
            415 => "The server does not take application/x-protobuf: is it an OTLP receiver?",
            >= 500 => "The collector failed: check its own log.",
            _ => "Check the endpoint and the collector's log.",
        };
        return result;
    }

    private static void ConfigureTls(SocketsHttpHandler handler, Target target, Action<string> onCertificateProblem)
    {
        X509Certificate2Collection? authorities = null;
        if (!string.IsNullOrEmpty(target.CaFile))
        {
            authorities = [];
            authorities.ImportFromPemFile(target.CaFile);
        }

        if (!string.IsNullOrEmpty(target.ClientCertificate) && !string.IsNullOrEmpty(target.ClientKey))
        {
            handler.SslOptions.ClientCertificates = [X509Certificate2.CreateFromPemFile(target.ClientCertificate, target.ClientKey)];
        }

        handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
        {
            if (errors == SslPolicyErrors.None)
            {
                return true;
            }

            if ((errors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0)
            {
                onCertificateProblem("the certificate does not name '" + target.Uri.Host + "'");
                return false;
            }

            if (authorities is null || certificate is null)
            {
                onCertificateProblem("the certificate is not trusted (" + errors + ")" + (authorities is null ? "; no " + ConfigurationKeys.OtlpCertificate + " is set" : string.Empty));
                return false;
            }

            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.AddRange(authorities);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            using var leaf = new X509Certificate2(certificate);
            if (chain.Build(leaf))
            {
                return true;
            }

            onCertificateProblem("the certificate is not signed by the CA in " + target.CaFile);
            return false;
        };
    }

    private static string OtherPort(string protocol) => protocol == Grpc
        ? "4318 usually serves OTLP over HTTP: use protocol http/protobuf there, or port 4317 for gRPC"
        : "4317 usually serves OTLP over gRPC: use protocol grpc there, or port 4318 for http/protobuf";

    private static bool IsAws(Uri uri) => uri.Host.EndsWith(".amazonaws.com", StringComparison.OrdinalIgnoreCase);

    private static string? Header(HttpHeaders headers, string name)
        => headers.TryGetValues(name, out var values) ? values.FirstOrDefault() : null;

    private static string Flatten(Exception ex)
    {
        var parts = new List<string>();
        for (var inner = ex; inner is not null; inner = inner.InnerException)
        {
            parts.Add(inner.GetType().Name + ": " + inner.Message);
        }

        return string.Join(" -> ", parts);
    }
}
