// Proves the mock collector decodes what real OTLP clients put on the wire (Grpc.Net.Client,
// raw HTTP/2 gRPC framing, OTLP/HTTP with gzip, TLS and mTLS), so a failing integration test
// points at the agent and never at the collector.
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using CloudWatchApm.Agent.IntegrationTests.Collector;
using CloudWatchApm.Agent.IntegrationTests.Collector.Otlp.Rpc;
using CloudWatchApm.Agent.IntegrationTests.Collector.Otlp.Services.Logs;
using CloudWatchApm.Agent.IntegrationTests.Collector.Otlp.Services.Metrics;
using CloudWatchApm.Agent.IntegrationTests.Collector.Otlp.Services.Trace;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using Xunit;
using Xunit.Sdk;
using RpcStatus = CloudWatchApm.Agent.IntegrationTests.Collector.Otlp.Rpc.Status;

namespace CloudWatchApm.Agent.IntegrationTests.CollectorTests;

public sealed class MockCollectorTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task MockCollector_GrpcTraces_DecodesSpans()
    {
        await using var collector = await MockCollector.StartAsync();
        using var channel = GrpcChannel.ForAddress(collector.GrpcEndpoint);
        var client = new TraceService.TraceServiceClient(channel);

        // Waiting starts before the export: the wait must wake on arrival, not poll.
        var waiting = collector.WaitForSpanAsync(s => s.Name == "GET /users/{id}", Timeout);
        await client.ExportAsync(OtlpRequests.Traces(), new Metadata { { "x-api-key", "secret" } });
        var span = await waiting;

        Assert.Equal(OtlpRequests.TraceId, span.TraceId);
        Assert.Equal(OtlpRequests.SpanId, span.SpanId);
        Assert.Equal(OtlpRequests.ParentSpanId, span.ParentSpanId);
        Assert.False(span.IsRoot);
        Assert.Equal("vendor=1", span.TraceState);
        Assert.Equal(0x101u, span.Flags);
        Assert.Equal(OtlpSpanKind.Server, span.Kind);
        Assert.Equal(TimeSpan.FromMilliseconds(25), span.Duration);
        Assert.Equal(OtlpStatusCode.Error, span.StatusCode);
        Assert.Equal("boom", span.StatusMessage);
        Assert.Equal("Microsoft.AspNetCore", span.ScopeName);
        Assert.Equal("10.0.0", span.ScopeVersion);
        Assert.Equal(OtlpTransport.Grpc, span.Transport);
        Assert.Equal("orders", span.ResourceAttributes["service.name"]);
        Assert.Equal(4L, span.ResourceAttributes["host.cores"]);

        Assert.Equal("GET", span.Attributes["http.request.method"]);
        Assert.Equal(200L, span.Attributes["http.response.status_code"]);
        Assert.Equal(true, span.Attributes["sampled"]);
        Assert.Equal(0.5, span.Attributes["ratio"]);
        Assert.Equal(new object?[] { "a", 7L }, Assert.IsAssignableFrom<IReadOnlyList<object?>>(span.Attributes["tags"]));
        var nested = Assert.IsAssignableFrom<IReadOnlyDictionary<string, object?>>(span.Attributes["nested"]);
        Assert.Equal(1L, nested["inner"]);
        Assert.Equal(new object?[] { true }, Assert.IsAssignableFrom<IReadOnlyList<object?>>(nested["deeper"]));
        Assert.Equal(new byte[] { 0xCA, 0xFE }, span.Attributes["raw"]);

        var exceptionEvent = Assert.Single(span.Events);
        Assert.Equal("exception", exceptionEvent.Name);
        Assert.Equal("System.InvalidOperationException", exceptionEvent.Attributes["exception.type"]);
        var link = Assert.Single(span.Links);
        Assert.Equal(OtlpRequests.LinkedTraceId, link.TraceId);
        Assert.Equal(OtlpRequests.ParentSpanId, link.SpanId);
        Assert.Equal("k=v", link.TraceState);
        Assert.Equal("follows", link.Attributes["link.kind"]);

        var root = Assert.Single(collector.Spans, s => s.Name == "root");
        Assert.True(root.IsRoot);
        Assert.Equal(OtlpSpanKind.Internal, root.Kind);
        Assert.Equal(OtlpStatusCode.Unset, root.StatusCode);

        var request = Assert.Single(collector.Requests);
        Assert.Equal(OtlpSignal.Traces, request.Signal);
        Assert.Equal(OtlpTransport.Grpc, request.Transport);
        Assert.Equal("HTTP/2", request.Protocol);
        Assert.Equal("/opentelemetry.proto.collector.trace.v1.TraceService/Export", request.Path);
        Assert.Equal("secret", request.Headers["X-Api-Key"]);
        Assert.Equal(2, request.ItemCount);
        Assert.True(request.Accepted);
        Assert.False(request.IsGzip);
        Assert.False(request.IsTls);
        Assert.Equal(StatusCode.OK, request.GrpcStatusCode);
    }

    [Fact]
    public async Task MockCollector_GzipHttpTraces_DecodesSpans()
    {
        await using var collector = await MockCollector.StartAsync();
        using var http = new HttpClient();
        using var content = new ByteArrayContent(OtlpRequests.Gzip(OtlpRequests.Traces().ToByteArray()));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/x-protobuf");
        content.Headers.ContentEncoding.Add("gzip");

        using var response = await http.PostAsync(collector.HttpEndpoint + "/v1/traces", content);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/x-protobuf", response.Content.Headers.ContentType?.MediaType);
        var spans = await collector.WaitForSpansAsync(s => s.Count == 2, Timeout);
        var span = Assert.Single(spans, s => s.Name == "GET /users/{id}");
        Assert.Equal(OtlpRequests.TraceId, span.TraceId);
        Assert.Equal("/users/{id}", span.Attributes["http.route"]);
        Assert.Equal(OtlpTransport.Http, span.Transport);
        var request = Assert.Single(collector.Requests);
        Assert.True(request.IsGzip);
        Assert.Equal(OtlpTransport.Http, request.Transport);
        Assert.Equal("HTTP/1.1", request.Protocol);
        Assert.Equal(200, request.HttpStatusCode);
    }

    [Fact]
    public async Task MockCollector_GrpcGzipMetrics_DecodesEveryMetricType()
    {
        await using var collector = await MockCollector.StartAsync();
        using var channel = GrpcChannel.ForAddress(collector.GrpcEndpoint);
        var client = new MetricsService.MetricsServiceClient(channel);

        // Grpc.Net.Client compresses the message when asked through this internal header.
        await client.ExportAsync(OtlpRequests.Metrics(), new Metadata { { "grpc-internal-encoding-request", "gzip" } });

        var metrics = await collector.WaitForMetricsAsync(m => m.Count == 5, Timeout);
        var gauge = Assert.Single(metrics, m => m.Name == "process.cpu.utilization");
        Assert.Equal(OtlpMetricType.Gauge, gauge.Type);
        Assert.Equal("1", gauge.Unit);
        Assert.Equal("CPU share", gauge.Description);
        Assert.Equal("System.Runtime", gauge.ScopeName);
        Assert.Equal("orders", gauge.ResourceAttributes["service.name"]);
        var gaugePoint = Assert.Single(gauge.Points);
        Assert.Equal(0.75, gaugePoint.DoubleValue);
        Assert.Null(gaugePoint.LongValue);
        Assert.Equal("0", gaugePoint.Attributes["cpu"]);

        var sum = Assert.Single(metrics, m => m.Name == "http.server.request.count");
        Assert.Equal(OtlpMetricType.Sum, sum.Type);
        Assert.Equal(OtlpTemporality.Cumulative, sum.Temporality);
        Assert.True(sum.IsMonotonic);
        Assert.Equal(42L, Assert.Single(sum.Points, p => Equals(p.Attributes["http.route"], "/users/{id}")).LongValue);
        Assert.Equal(3d, Assert.Single(sum.Points, p => Equals(p.Attributes["http.route"], "/orders")).Value);

        var histogram = Assert.Single(metrics, m => m.Name == "http.server.request.duration");
        Assert.Equal(OtlpMetricType.Histogram, histogram.Type);
        Assert.Equal(OtlpTemporality.Delta, histogram.Temporality);
        var histogramPoint = Assert.Single(histogram.Points);
        Assert.Equal(3ul, histogramPoint.Count);
        Assert.Equal(6d, histogramPoint.Sum);
        Assert.Equal(1d, histogramPoint.Min);
        Assert.Equal(3d, histogramPoint.Max);
        Assert.Equal([1ul, 2ul, 0ul], histogramPoint.BucketCounts);
        Assert.Equal([1.5, 5d], histogramPoint.ExplicitBounds);
        Assert.Equal(1, histogramPoint.ExemplarCount);

        var exponential = Assert.Single(metrics, m => m.Name == "queue.latency");
        Assert.Equal(OtlpMetricType.ExponentialHistogram, exponential.Type);
        var exponentialPoint = Assert.Single(exponential.Points);
        Assert.Equal(4ul, exponentialPoint.Count);
        Assert.Equal(3, exponentialPoint.Scale);
        Assert.Equal(1ul, exponentialPoint.ZeroCount);
        Assert.Equal(-2, exponentialPoint.PositiveOffset);
        Assert.Equal([1ul, 2ul], exponentialPoint.PositiveBucketCounts);
        Assert.Empty(exponentialPoint.NegativeBucketCounts);
        Assert.Null(exponentialPoint.Min);

        var summary = Assert.Single(metrics, m => m.Name == "legacy.summary");
        Assert.Equal(OtlpMetricType.Summary, summary.Type);
        var summaryPoint = Assert.Single(summary.Points);
        Assert.Equal(2ul, summaryPoint.Count);
        Assert.Equal([KeyValuePair.Create(0.5, 4d), KeyValuePair.Create(1d, 6d)], summaryPoint.Quantiles);

        var request = Assert.Single(collector.Requests);
        Assert.True(request.IsGzip);
        Assert.Equal(OtlpSignal.Metrics, request.Signal);
        Assert.Equal(6, request.ItemCount);
    }

    [Fact]
    public async Task MockCollector_HttpMetrics_DecodesPoints()
    {
        await using var collector = await MockCollector.StartAsync();
        using var http = new HttpClient();
        using var content = new ByteArrayContent(OtlpRequests.Metrics().ToByteArray());
        content.Headers.ContentType = new MediaTypeHeaderValue("application/x-protobuf");

        using var response = await http.PostAsync(collector.HttpEndpoint + "/v1/metrics", content);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var metric = await collector.WaitForMetricAsync(m => m.Name == "http.server.request.count", Timeout);
        Assert.Equal(2, metric.Points.Count);
        Assert.Equal(OtlpTransport.Http, metric.Transport);
        Assert.False(Assert.Single(collector.Requests).IsGzip);
    }

    [Fact]
    public async Task MockCollector_HttpLogs_DecodesLogRecords()
    {
        await using var collector = await MockCollector.StartAsync();
        using var http = new HttpClient();
        using var content = new ByteArrayContent(OtlpRequests.Gzip(OtlpRequests.Logs().ToByteArray()));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/x-protobuf");
        content.Headers.ContentEncoding.Add("gzip");

        using var response = await http.PostAsync(collector.HttpEndpoint + "/v1/logs", content);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var logs = await collector.WaitForLogsAsync(l => l.Count == 2, Timeout);
        var error = Assert.Single(logs, l => l.SeverityNumber == 17);
        Assert.Equal("Error", error.SeverityText);
        Assert.Equal("Order 7 failed", error.Body);
        Assert.Equal(7L, error.Attributes["order.id"]);
        Assert.Equal(OtlpRequests.TraceId, error.TraceId);
        Assert.Equal(OtlpRequests.SpanId, error.SpanId);
        Assert.Equal(1u, error.Flags);
        Assert.Equal("orders.failed", error.EventName);
        Assert.Equal(OtlpRequests.StartNanos, error.TimeUnixNano);
        Assert.Equal(OtlpRequests.EndNanos, error.ObservedTimeUnixNano);
        Assert.Equal("Orders.Service", error.ScopeName);
        Assert.Equal("2.1", error.ScopeVersion);
        Assert.Equal("orders", error.ResourceAttributes["service.name"]);

        var structured = Assert.Single(logs, l => l.SeverityNumber == 10);
        var body = Assert.IsAssignableFrom<IReadOnlyDictionary<string, object?>>(structured.Body);
        Assert.Equal("structured", body["message"]);
        Assert.Equal(string.Empty, structured.TraceId);
        Assert.True(Assert.Single(collector.Requests).IsGzip);
    }

    [Fact]
    public async Task MockCollector_RawHttp2GrpcFraming_DecodesLogs()
    {
        // What OpenTelemetry .NET's own gRPC exporter does: HttpClient, h2c prior knowledge,
        // the literal service path and a hand-framed message, no Grpc.Net.Client involved.
        await using var collector = await MockCollector.StartAsync();
        using var http = new HttpClient();
        using var content = new ByteArrayContent(OtlpRequests.GrpcFrame(OtlpRequests.Logs().ToByteArray()));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/grpc");
        using var request = new HttpRequestMessage(HttpMethod.Post, collector.GrpcEndpoint + "/opentelemetry.proto.collector.logs.v1.LogsService/Export")
        {
            Content = content,
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        request.Headers.TE.Add(new TransferCodingWithQualityHeaderValue("trailers"));

        using var response = await http.SendAsync(request);
        var reply = await response.Content.ReadAsByteArrayAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("0", Assert.Single(response.TrailingHeaders.GetValues("grpc-status")));
        Assert.Equal(5, reply.Length); // an empty ExportLogsServiceResponse in its frame
        var logs = await collector.WaitForLogsAsync(l => l.Count == 2, Timeout);
        Assert.All(logs, l => Assert.Equal(OtlpTransport.Grpc, l.Transport));
    }

    [Fact]
    public async Task MockCollector_FailWithUnavailable_RejectsThenRecovers()
    {
        await using var collector = await MockCollector.StartAsync();
        collector.FailWith(CollectorFailure.Unavailable(retryAfter: TimeSpan.FromSeconds(2), times: 2));
        using var channel = GrpcChannel.ForAddress(collector.GrpcEndpoint);
        var client = new TraceService.TraceServiceClient(channel);
        using var http = new HttpClient();

        var grpcError = await Assert.ThrowsAsync<RpcException>(async () => await client.ExportAsync(OtlpRequests.Traces()));
        using var content = new ByteArrayContent(OtlpRequests.Traces().ToByteArray());
        content.Headers.ContentType = new MediaTypeHeaderValue("application/x-protobuf");
        using var httpError = await http.PostAsync(collector.HttpEndpoint + "/v1/traces", content);
        await client.ExportAsync(OtlpRequests.Traces("after recovery"));

        Assert.Equal(StatusCode.Unavailable, grpcError.StatusCode);
        var details = RpcStatus.Parser.ParseFrom(grpcError.Trailers.GetValueBytes("grpc-status-details-bin"));
        Assert.Equal(TimeSpan.FromSeconds(2), details.Details.Single().Unpack<RetryInfo>().RetryDelay.ToTimeSpan());
        Assert.Equal(HttpStatusCode.ServiceUnavailable, httpError.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(2), httpError.Headers.RetryAfter?.Delta);

        var spans = await collector.WaitForSpansAsync(s => s.Count == 2, Timeout);
        Assert.All(spans, s => Assert.Equal(OtlpTransport.Grpc, s.Transport));
        Assert.Contains(spans, s => s.Name == "after recovery");
        var requests = collector.Requests;
        Assert.Equal([false, false, true], requests.Select(r => r.Accepted));
        Assert.Equal(StatusCode.Unavailable, requests[0].GrpcStatusCode);
        Assert.Equal(503, requests[1].HttpStatusCode);
        Assert.Equal(2, requests[1].ItemCount);
    }

    [Fact]
    public async Task MockCollector_StopAndRestart_ComesBackOnSamePorts()
    {
        await using var collector = await MockCollector.StartAsync();
        var httpEndpoint = collector.HttpEndpoint;
        var grpcEndpoint = collector.GrpcEndpoint;
        using var http = new HttpClient();
        await PostTracesAsync(http, httpEndpoint, "before");

        await collector.StopAsync();
        var outage = await Assert.ThrowsAsync<HttpRequestException>(() => PostTracesAsync(http, httpEndpoint, "during"));
        await collector.RestartAsync();
        await PostTracesAsync(http, httpEndpoint, "after");

        Assert.False(outage.StatusCode.HasValue);
        Assert.True(collector.IsRunning);
        Assert.Equal(httpEndpoint, collector.HttpEndpoint);
        Assert.Equal(grpcEndpoint, collector.GrpcEndpoint);
        var spans = await collector.WaitForSpansAsync(s => s.Any(x => x.Name == "after"), Timeout);
        Assert.Contains(spans, s => s.Name == "before");
        Assert.DoesNotContain(spans, s => s.Name == "during");
    }

    [Fact]
    public async Task MockCollector_AssertExpectations_UnmetExpectation_ListsWhatArrived()
    {
        await using var collector = await MockCollector.StartAsync();
        using var http = new HttpClient();
        collector.ExpectSpan(s => s.Name == "GET /users/{id}" && s.Kind == OtlpSpanKind.Server, "server span for /users/{id}");
        collector.ExpectSpan(s => s.Name == "SELECT orders", "database span");
        await PostTracesAsync(http, collector.HttpEndpoint, "GET /users/{id}");

        var failure = await Assert.ThrowsAsync<XunitException>(() => collector.AssertExpectationsAsync(TimeSpan.FromMilliseconds(300)));

        Assert.Contains("database span: expected at least 1, found 0", failure.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("server span for /users/{id}:", failure.Message, StringComparison.Ordinal);
        Assert.Contains("\"GET /users/{id}\" kind=Server", failure.Message, StringComparison.Ordinal);
        Assert.Contains("Http Traces HTTP/1.1 /v1/traces items=2", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MockCollector_AssertExpectations_AllMet_Passes()
    {
        await using var collector = await MockCollector.StartAsync();
        using var http = new HttpClient();
        collector.ExpectSpan(s => s.Name == "GET /users/{id}", "server span for /users/{id}");
        collector.ExpectSpan(s => s.TraceId == OtlpRequests.TraceId, "both spans of the trace", count: 2);
        collector.ExpectLog(l => l.EventName == "orders.failed", "the failure log");

        var sending = Task.Run(async () =>
        {
            await PostTracesAsync(http, collector.HttpEndpoint, "GET /users/{id}");
            using var channel = GrpcChannel.ForAddress(collector.GrpcEndpoint);
            await new LogsService.LogsServiceClient(channel).ExportAsync(OtlpRequests.Logs());
        });

        await collector.AssertExpectationsAsync(Timeout);
        await sending;
    }

    [Fact]
    public async Task MockCollector_HttpWrongContent_RecordsRejection()
    {
        await using var collector = await MockCollector.StartAsync();
        using var http = new HttpClient();
        using var json = new StringContent("{}", System.Text.Encoding.UTF8, "application/json");
        using var garbage = new ByteArrayContent([0xFF, 0xFF, 0xFF]);
        garbage.Headers.ContentType = new MediaTypeHeaderValue("application/x-protobuf");
        using var empty = new ByteArrayContent([]);

        using var jsonResponse = await http.PostAsync(collector.HttpEndpoint + "/v1/traces", json);
        using var garbageResponse = await http.PostAsync(collector.HttpEndpoint + "/v1/logs", garbage);
        using var wrongPathResponse = await http.PostAsync(collector.HttpEndpoint + "/v1/trace", empty);

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, jsonResponse.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, garbageResponse.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, wrongPathResponse.StatusCode);
        var requests = collector.Requests;
        Assert.Equal([OtlpSignal.Traces, OtlpSignal.Logs, OtlpSignal.Unknown], requests.Select(r => r.Signal));
        Assert.All(requests, r => Assert.False(r.Accepted));
        Assert.All(requests, r => Assert.NotNull(r.Error));
        Assert.Equal([415, 400, 404], requests.Select(r => r.HttpStatusCode ?? 0));
        Assert.Empty(collector.Spans);
        Assert.Empty(collector.Logs);
    }

    [Fact]
    public async Task MockCollector_TlsWithTrustedCa_AcceptsGrpcAndHttp()
    {
        await using var collector = await MockCollector.StartAsync(new MockCollectorOptions { EnableTls = true });
        using var channel = GrpcChannel.ForAddress(collector.TlsEndpoint, new GrpcChannelOptions
        {
            HttpHandler = OtlpRequests.TlsHandler(collector.CertificatePemPath),
        });
        using var http = new HttpClient(OtlpRequests.TlsHandler(collector.CertificatePemPath));

        await new TraceService.TraceServiceClient(channel).ExportAsync(OtlpRequests.Traces("over grpc+tls"));
        await PostTracesAsync(http, collector.TlsEndpoint, "over http+tls");

        var spans = await collector.WaitForSpansAsync(s => s.Count == 4, Timeout);
        Assert.Equal(OtlpTransport.Grpc, Assert.Single(spans, s => s.Name == "over grpc+tls").Transport);
        Assert.Equal(OtlpTransport.Http, Assert.Single(spans, s => s.Name == "over http+tls").Transport);
        Assert.All(collector.Requests, r => Assert.True(r.IsTls));
        Assert.Equal(["HTTP/2", "HTTP/1.1"], collector.Requests.Select(r => r.Protocol));
        Assert.StartsWith("https://127.0.0.1:", collector.TlsEndpoint, StringComparison.Ordinal);
        Assert.StartsWith("-----BEGIN CERTIFICATE-----", await File.ReadAllTextAsync(collector.CertificatePemPath), StringComparison.Ordinal);
    }

    [Fact]
    public async Task MockCollector_TlsWithoutTrust_ClientRejectsServer()
    {
        await using var collector = await MockCollector.StartAsync(new MockCollectorOptions { EnableTls = true });
        using var http = new HttpClient(OtlpRequests.TlsHandler(caPemPath: null));

        await Assert.ThrowsAsync<HttpRequestException>(() => PostTracesAsync(http, collector.TlsEndpoint, "untrusted"));

        // .NET clients check the server certificate after the TLS exchange itself has finished,
        // so the server may see a completed handshake; what must not happen is a request.
        await collector.WaitForTlsHandshakesAsync(h => h.Count > 0, Timeout);
        Assert.Empty(collector.Requests);
    }

    [Fact]
    public async Task MockCollector_MutualTlsWithClientCertificate_RecordsMatch()
    {
        await using var collector = await MockCollector.StartAsync(new MockCollectorOptions { ClientCertificate = ClientCertificateRequirement.Required });
        // Loaded from the PEM files, the way an exporter given OTEL_EXPORTER_OTLP_CLIENT_* would.
        using var clientCertificate = X509Certificate2.CreateFromPemFile(collector.ClientCertificatePemPath, collector.ClientKeyPemPath);
        using var http = new HttpClient(OtlpRequests.TlsHandler(collector.CertificatePemPath, clientCertificate));
        using var channel = GrpcChannel.ForAddress(collector.TlsEndpoint, new GrpcChannelOptions
        {
            HttpHandler = OtlpRequests.TlsHandler(collector.CertificatePemPath, clientCertificate),
        });

        await PostTracesAsync(http, collector.TlsEndpoint, "mtls http");
        await new TraceService.TraceServiceClient(channel).ExportAsync(OtlpRequests.Traces("mtls grpc"));

        await collector.WaitForSpansAsync(s => s.Count == 4, Timeout);
        Assert.All(collector.Requests, r => Assert.True(r.ClientCertificatePresented && r.ClientCertificateMatched));
        Assert.All(collector.TlsHandshakes, h => Assert.True(h.Succeeded && h.ClientCertificateMatched));
        Assert.Equal(2, collector.TlsHandshakes.Count);
    }

    [Fact]
    public async Task MockCollector_MutualTlsWithoutClientCertificate_FailsHandshake()
    {
        await using var collector = await MockCollector.StartAsync(new MockCollectorOptions { ClientCertificate = ClientCertificateRequirement.Required });
        using var http = new HttpClient(OtlpRequests.TlsHandler(collector.CertificatePemPath));

        await Assert.ThrowsAsync<HttpRequestException>(() => PostTracesAsync(http, collector.TlsEndpoint, "no client cert"));

        var handshakes = await collector.WaitForTlsHandshakesAsync(h => h.Count > 0, Timeout);
        var handshake = Assert.Single(handshakes);
        Assert.False(handshake.Succeeded);
        Assert.False(handshake.ClientCertificatePresented);
        Assert.Empty(collector.Requests);
        Assert.Empty(collector.Spans);
    }

    [Fact]
    public async Task MockCollector_MutualTlsWithForeignClientCertificate_FailsHandshake()
    {
        await using var collector = await MockCollector.StartAsync(new MockCollectorOptions { ClientCertificate = ClientCertificateRequirement.Required });
        using var foreignCertificate = SelfSignedClientCertificate();
        using var http = new HttpClient(OtlpRequests.TlsHandler(collector.CertificatePemPath, foreignCertificate));

        await Assert.ThrowsAsync<HttpRequestException>(() => PostTracesAsync(http, collector.TlsEndpoint, "foreign cert"));

        var handshakes = await collector.WaitForTlsHandshakesAsync(h => h.Count > 0, Timeout);
        var handshake = Assert.Single(handshakes);
        Assert.False(handshake.Succeeded);
        Assert.True(handshake.ClientCertificatePresented);
        Assert.False(handshake.ClientCertificateMatched);
        Assert.Equal("CN=someone else", handshake.ClientCertificateSubject);
        Assert.Empty(collector.Requests);
    }

    [Fact]
    public async Task MockCollector_OptionalClientCertificate_AcceptsWithout()
    {
        await using var collector = await MockCollector.StartAsync(new MockCollectorOptions { ClientCertificate = ClientCertificateRequirement.Optional });
        using var http = new HttpClient(OtlpRequests.TlsHandler(collector.CertificatePemPath));

        await PostTracesAsync(http, collector.TlsEndpoint, "anonymous");

        var request = (await collector.WaitForRequestsAsync(r => r.Count == 1, Timeout))[0];
        Assert.True(request.Accepted);
        Assert.False(request.ClientCertificatePresented);
        Assert.True(Assert.Single(collector.TlsHandshakes).Succeeded);
    }

    [Fact]
    public async Task MockCollector_WithoutTls_TlsMembersThrow()
    {
        await using var collector = await MockCollector.StartAsync();

        Assert.Throws<InvalidOperationException>(() => collector.TlsEndpoint);
        Assert.Throws<InvalidOperationException>(() => collector.CertificatePemPath);
    }

    private static async Task PostTracesAsync(HttpClient http, string endpoint, string spanName)
    {
        using var content = new ByteArrayContent(OtlpRequests.Traces(spanName).ToByteArray());
        content.Headers.ContentType = new MediaTypeHeaderValue("application/x-protobuf");
        using var response = await http.PostAsync(endpoint + "/v1/traces", content);
        response.EnsureSuccessStatusCode();
    }

    private static X509Certificate2 SelfSignedClientCertificate()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=someone else", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.2")], false));
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddHours(1));
    }
}
