// IMDSv2 only: a session token from PUT /latest/api/token, then GETs that carry it. IMDSv1
// is not tried as a fallback: many accounts disable it, and when the token PUT has already
// used up the time box (hop limit 1 inside containers) a second attempt cannot succeed anyway.
namespace CloudWatchApm.Agent.Aws.Resources;

internal sealed class InstanceMetadataClient : IDisposable
{
    internal const string TokenPath = "latest/api/token";
    internal const string TokenTtlHeader = "X-aws-ec2-metadata-token-ttl-seconds";
    internal const string TokenHeader = "X-aws-ec2-metadata-token";

    // The token is used for two or three requests within a second; a short life limits its value if it leaked.
    private const string TokenTtlSeconds = "60";

    internal static readonly Uri DefaultBaseAddress = new("http://169.254.169.254/");

    private readonly Uri _baseAddress;
    private readonly HttpClient _client;

    internal InstanceMetadataClient(Uri baseAddress, TimeSpan connectTimeout)
    {
        _baseAddress = baseAddress;
        _client = MetadataHttp.CreateClient(connectTimeout);
    }

    internal bool TryGetToken(CancellationToken cancellationToken, out string token, out string error)
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, new Uri(_baseAddress, TokenPath));
        request.Headers.TryAddWithoutValidation(TokenTtlHeader, TokenTtlSeconds);
        if (!MetadataHttp.TrySend(_client, request, cancellationToken, out token, out error))
        {
            return false;
        }

        token = token.Trim();
        if (token.Length == 0)
        {
            error = "IMDS returned an empty token";
            return false;
        }

        return true;
    }

    /// <summary>GET a metadata path such as "latest/meta-data/hostname" with the session token.</summary>
    internal bool TryGet(string path, string token, CancellationToken cancellationToken, out string body, out string error)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(_baseAddress, path));
        request.Headers.TryAddWithoutValidation(TokenHeader, token);
        return MetadataHttp.TrySend(_client, request, cancellationToken, out body, out error);
    }

    public void Dispose() => _client.Dispose();
}
