// The transport-facing half of the mock collector: OTLP/HTTP handlers and the gRPC Export
// services both come through here, so a request is recorded the same way whichever way
// it arrived, and a configured failure is answered the way each transport's spec says.
using System.Globalization;
using System.IO.Compression;
using CloudWatchApm.Agent.IntegrationTests.Collector.Otlp.Rpc;
using CloudWatchApm.Agent.IntegrationTests.Collector.Otlp.Services.Logs;
using CloudWatchApm.Agent.IntegrationTests.Collector.Otlp.Services.Metrics;
using CloudWatchApm.Agent.IntegrationTests.Collector.Otlp.Services.Trace;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.AspNetCore.Http;

namespace CloudWatchApm.Agent.IntegrationTests.Collector;

internal sealed class OtlpReceiver(CollectorState state, CollectorCertificates? certificates)
{
    private const string ProtobufContentType = "application/x-protobuf";

    /// <summary>Records a gRPC export; throws the RpcException Grpc.AspNetCore turns into the configured failure.</summary>
    public void AcceptGrpc(
        ServerCallContext context,
        OtlpSignal signal,
        int itemCount,
        IReadOnlyList<ReceivedSpan>? spans = null,
        IReadOnlyList<ReceivedMetric>? metrics = null,
        IReadOnlyList<ReceivedLog>? logs = null)
    {
        var request = Capture(context.GetHttpContext(), signal, OtlpTransport.Grpc) with { ItemCount = itemCount };
        if (state.Record(request, spans, metrics, logs) is { } failure)
        {
            var trailers = new Metadata();
            if (failure.RetryAfter is { } delay)
            {
                trailers.Add("grpc-status-details-bin", StatusDetails(failure, delay).ToByteArray());
            }

            throw new RpcException(new Grpc.Core.Status(failure.GrpcStatus, "mock collector configured to fail"), trailers);
        }
    }

    public async Task HandleHttpAsync(HttpContext context, OtlpSignal signal)
    {
        var request = Capture(context, signal, OtlpTransport.Http);
        var decoded = await DecodeAsync(context.Request, request, signal);
        var failure = state.Record(
            request with { ItemCount = decoded.ItemCount, Error = decoded.Error, HttpStatusCode = decoded.Error is null ? null : decoded.Status },
            decoded.Spans,
            decoded.Metrics,
            decoded.Logs);

        var response = context.Response;
        if (failure is not null)
        {
            response.StatusCode = failure.HttpStatusCode;
            if (failure.RetryAfter is { } delay)
            {
                response.Headers.RetryAfter = Math.Ceiling(delay.TotalSeconds).ToString(CultureInfo.InvariantCulture);
            }

            response.ContentType = ProtobufContentType;
            await response.Body.WriteAsync(StatusDetails(failure, failure.RetryAfter).ToByteArray());
            return;
        }

        if (decoded.Error is not null)
        {
            response.StatusCode = decoded.Status;
            response.ContentType = "text/plain";
            await response.WriteAsync(decoded.Error);
            return;
        }

        // An empty Export*ServiceResponse (no partial_success) encodes as zero bytes for every signal.
        response.StatusCode = 200;
        response.ContentType = ProtobufContentType;
        response.ContentLength = 0;
    }

    /// <summary>Answers 404 but records the request, so a wrong path shows up in the summary.</summary>
    public Task HandleUnknownAsync(HttpContext context)
    {
        var request = Capture(context, OtlpSignal.Unknown, OtlpTransport.Http);
        state.Record(request with { Error = "no OTLP handler for this path", HttpStatusCode = 404 });
        context.Response.StatusCode = 404;
        return Task.CompletedTask;
    }

    private static async Task<Decoded> DecodeAsync(HttpRequest httpRequest, ReceivedRequest request, OtlpSignal signal)
    {
        // OTLP/JSON is legal OTLP but needs hex ids and enum numbers that the stock JSON
        // parser does not accept; refusing it loudly beats decoding ids wrongly.
        if (!request.ContentType.StartsWith(ProtobufContentType, StringComparison.OrdinalIgnoreCase))
        {
            return Decoded.Failed(415, $"unsupported content type '{request.ContentType}', only {ProtobufContentType}");
        }

        byte[] body;
        try
        {
            body = await ReadBodyAsync(httpRequest, request.ContentEncoding);
        }
        catch (NotSupportedException e)
        {
            return Decoded.Failed(415, e.Message);
        }
        catch (InvalidDataException e)
        {
            return Decoded.Failed(400, "body is not valid gzip: " + e.Message);
        }

        try
        {
            switch (signal)
            {
                case OtlpSignal.Traces:
                    var spans = OtlpFlattener.Flatten(ExportTraceServiceRequest.Parser.ParseFrom(body), OtlpTransport.Http);
                    return new Decoded(spans.Count, spans, null, null);
                case OtlpSignal.Metrics:
                    var metrics = OtlpFlattener.Flatten(ExportMetricsServiceRequest.Parser.ParseFrom(body), OtlpTransport.Http);
                    return new Decoded(OtlpFlattener.CountPoints(metrics), null, metrics, null);
                case OtlpSignal.Logs:
                    var logs = OtlpFlattener.Flatten(ExportLogsServiceRequest.Parser.ParseFrom(body), OtlpTransport.Http);
                    return new Decoded(logs.Count, null, null, logs);
                default:
                    return Decoded.Failed(404, "unknown signal");
            }
        }
        catch (InvalidProtocolBufferException e)
        {
            return Decoded.Failed(400, "body is not a valid OTLP protobuf message: " + e.Message);
        }
    }

    private static async Task<byte[]> ReadBodyAsync(HttpRequest request, string contentEncoding)
    {
        using var buffer = new MemoryStream();
        switch (contentEncoding.ToUpperInvariant())
        {
            case "" or "IDENTITY":
                await request.Body.CopyToAsync(buffer);
                break;
            case "GZIP":
                await using (var gzip = new GZipStream(request.Body, CompressionMode.Decompress, leaveOpen: true))
                {
                    await gzip.CopyToAsync(buffer);
                }

                break;
            default:
                throw new NotSupportedException($"unsupported content encoding '{contentEncoding}'");
        }

        return buffer.ToArray();
    }

    private static Otlp.Rpc.Status StatusDetails(CollectorFailure failure, TimeSpan? retryAfter)
    {
        var status = new Otlp.Rpc.Status { Code = (int)failure.GrpcStatus, Message = "mock collector configured to fail" };
        if (retryAfter is { } delay)
        {
            status.Details.Add(Any.Pack(new RetryInfo { RetryDelay = Duration.FromTimeSpan(delay) }));
        }

        return status;
    }

    private ReceivedRequest Capture(HttpContext context, OtlpSignal signal, OtlpTransport transport)
    {
        var request = context.Request;
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var header in request.Headers)
        {
            headers[header.Key] = header.Value.ToString();
        }

        var clientCertificate = context.Connection.ClientCertificate;
        return new ReceivedRequest
        {
            Signal = signal,
            Transport = transport,
            Path = request.Path.Value ?? string.Empty,
            Protocol = request.Protocol,
            Headers = headers,
            ContentType = request.ContentType ?? string.Empty,
            ContentEncoding = request.Headers[transport == OtlpTransport.Grpc ? "grpc-encoding" : "Content-Encoding"].ToString(),
            IsTls = request.IsHttps,
            ClientCertificatePresented = clientCertificate is not null,
            ClientCertificateMatched = certificates?.IsClientCertificate(clientCertificate) ?? false,
            ReceivedAt = DateTimeOffset.UtcNow,
        };
    }

    private sealed record Decoded(
        int ItemCount,
        IReadOnlyList<ReceivedSpan>? Spans,
        IReadOnlyList<ReceivedMetric>? Metrics,
        IReadOnlyList<ReceivedLog>? Logs,
        int Status = 200,
        string? Error = null)
    {
        public static Decoded Failed(int status, string error) => new(0, null, null, null, status, error);
    }
}
