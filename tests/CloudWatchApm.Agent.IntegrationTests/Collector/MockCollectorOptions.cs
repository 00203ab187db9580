// How a test wants the mock collector to behave: which endpoints to open and how to answer.
using Grpc.Core;

namespace CloudWatchApm.Agent.IntegrationTests.Collector;

internal sealed class MockCollectorOptions
{
    /// <summary>Opens a third endpoint that speaks TLS (HTTP/1.1 and HTTP/2 by ALPN, so gRPC and OTLP/HTTP).</summary>
    public bool EnableTls { get; init; }

    /// <summary>Whether the TLS endpoint asks for a client certificate; anything but None implies <see cref="EnableTls"/>.</summary>
    public ClientCertificateRequirement ClientCertificate { get; init; }

    /// <summary>Answer every request with this failure from the start (see <see cref="MockCollector.FailWith"/>).</summary>
    public CollectorFailure? Failure { get; init; }
}

internal enum ClientCertificateRequirement
{
    /// <summary>The server does not ask for a client certificate.</summary>
    None,

    /// <summary>The server asks, records what it got, and accepts any certificate or none.</summary>
    Optional,

    /// <summary>mTLS: the handshake fails unless the client presents the collector's generated client certificate.</summary>
    Required,
}

/// <summary>An error the collector answers with instead of accepting data.</summary>
/// <param name="GrpcStatus">Status for gRPC exports.</param>
/// <param name="HttpStatusCode">Status for OTLP/HTTP exports.</param>
/// <param name="RetryAfter">Sent as Retry-After (HTTP) and as google.rpc.RetryInfo (both transports).</param>
/// <param name="Times">How many requests fail before the collector recovers; null fails until cleared.</param>
/// <param name="Signal">Fail only this signal; null fails all.</param>
internal sealed record CollectorFailure(
    StatusCode GrpcStatus,
    int HttpStatusCode,
    TimeSpan? RetryAfter = null,
    int? Times = null,
    OtlpSignal? Signal = null)
{
    /// <summary>The retryable outage answer: gRPC UNAVAILABLE / HTTP 503.</summary>
    public static CollectorFailure Unavailable(TimeSpan? retryAfter = null, int? times = null, OtlpSignal? signal = null) =>
        new(StatusCode.Unavailable, 503, retryAfter, times, signal);

    /// <summary>Throttling: gRPC RESOURCE_EXHAUSTED / HTTP 429.</summary>
    public static CollectorFailure Throttled(TimeSpan? retryAfter = null, int? times = null, OtlpSignal? signal = null) =>
        new(StatusCode.ResourceExhausted, 429, retryAfter, times, signal);

    /// <summary>A permanent rejection that exporters must not retry: gRPC INVALID_ARGUMENT / HTTP 400.</summary>
    public static CollectorFailure BadRequest(int? times = null, OtlpSignal? signal = null) =>
        new(StatusCode.InvalidArgument, 400, null, times, signal);
}
