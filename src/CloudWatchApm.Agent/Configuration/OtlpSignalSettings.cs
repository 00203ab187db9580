// The OTLP exporter settings of one signal, after applying the specification's precedence:
// per-signal variable, then the generic one, then the default for the protocol.
namespace CloudWatchApm.Agent.Configuration;

internal sealed class OtlpSignalSettings
{
    internal const string Grpc = "grpc";
    internal const string HttpProtobuf = "http/protobuf";

    internal required string Signal { get; init; }

    internal required string Protocol { get; init; }

    private Uri? _endpoint;
    private string? _endpointText;

    /// <summary>
    /// The endpoint. A default one is kept as text and parsed on first use: the settings are
    /// read on the app's main thread before its Main, where System.Uri's first use costs a few
    /// milliseconds, and the endpoint is only needed where the providers are built.
    /// </summary>
    internal Uri Endpoint
    {
        get => _endpoint ??= new Uri(_endpointText ?? throw new InvalidOperationException("no endpoint for " + Signal));
        init => _endpoint = value;
    }

    /// <summary>An endpoint known to be a valid absolute URL (the defaults), parsed when first used.</summary>
    internal string? EndpointText
    {
        init => _endpointText = value;
    }

    internal IReadOnlyList<KeyValuePair<string, string>> Headers { get; init; } = [];

    internal int TimeoutMilliseconds { get; init; } = 10_000;

    internal string Compression { get; init; } = "none";

    internal string? CertificatePath { get; init; }

    internal string? ClientKeyPath { get; init; }

    internal string? ClientCertificatePath { get; init; }

    internal bool Insecure { get; init; }

    internal bool IsHttp => Protocol == HttpProtobuf;

    /// <summary>For logs: endpoint and options, with header names only.</summary>
    public override string ToString()
    {
        var headers = Headers.Count == 0 ? "none" : string.Join("|", Headers.Select(h => h.Key + "=<redacted>"));
        return $"{Protocol} {Endpoint} (timeout {TimeoutMilliseconds} ms, compression {Compression}, headers {headers}"
            + (CertificatePath is null ? string.Empty : ", ca " + CertificatePath)
            + (ClientCertificatePath is null ? string.Empty : ", client cert " + ClientCertificatePath) + ")";
    }
}
