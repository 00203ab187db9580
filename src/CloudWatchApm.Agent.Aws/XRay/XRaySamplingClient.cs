// HTTP side of the X-Ray remote sampler. Its requests must never become spans: a sampler
// that traces its own polling would sample, export and poll about itself forever. Hence
// SuppressInstrumentationScope around every call and no trace headers on our own handler.
using OpenTelemetry;

namespace CloudWatchApm.Agent.Aws.XRay;

internal sealed class XRaySamplingClient : IDisposable
{
    // More pages than any account has rules (X-Ray allows 25 rules); stops a looping NextToken.
    private const int MaxRulePages = 50;

    private const int MaxResponseBytes = 1024 * 1024;

    private readonly HttpClient _http;
    private readonly bool _ownsHttp;
    private readonly Uri _rulesUri;
    private readonly Uri _targetsUri;

    /// <param name="endpoint">Base address; GetSamplingRules and SamplingTargets are resolved against it.</param>
    /// <param name="httpClient">Test seam; when null the client owns a handler that sends no trace headers.</param>
    internal XRaySamplingClient(Uri endpoint, HttpClient? httpClient)
    {
        _rulesUri = new Uri(endpoint, XRaySamplingApi.RulesPath);
        _targetsUri = new Uri(endpoint, XRaySamplingApi.TargetsPath);
        if (httpClient is not null)
        {
            _http = httpClient;
            return;
        }

        var handler = new SocketsHttpHandler
        {
            ActivityHeadersPropagator = null,
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        };

        // Each call carries its own deadline (the sampler's cancellation token).
        _http = new HttpClient(handler, disposeHandler: true)
        {
            Timeout = Timeout.InfiniteTimeSpan,
            MaxResponseContentBufferSize = MaxResponseBytes,
        };
        _ownsHttp = true;
    }

    internal async Task<List<XRaySamplingRule>> GetSamplingRulesAsync(ICollection<string> warnings, CancellationToken cancellationToken)
    {
        var rules = new List<XRaySamplingRule>();
        string? nextToken = null;
        for (var page = 0; page < MaxRulePages; page++)
        {
            var body = await PostAsync(_rulesUri, XRaySamplingApi.WriteRulesRequest(nextToken), cancellationToken).ConfigureAwait(false);
            nextToken = XRaySamplingApi.ParseRules(body, rules, warnings);
            if (nextToken is null)
            {
                break;
            }
        }

        return rules;
    }

    internal async Task<XRayTargetsResponse> GetSamplingTargetsAsync(
        string clientId,
        DateTimeOffset now,
        IReadOnlyList<XRaySamplingStatistics> statistics,
        CancellationToken cancellationToken)
    {
        var body = await PostAsync(_targetsUri, XRaySamplingApi.WriteTargetsRequest(clientId, now, statistics), cancellationToken).ConfigureAwait(false);
        return XRaySamplingApi.ParseTargets(body);
    }

    public void Dispose()
    {
        if (_ownsHttp)
        {
            _http.Dispose();
        }
    }

    private async Task<byte[]> PostAsync(Uri uri, byte[] requestBody, CancellationToken cancellationToken)
    {
        using var scope = SuppressInstrumentationScope.Begin();
        using var content = new ByteArrayContent(requestBody);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        using var request = new HttpRequestMessage(HttpMethod.Post, uri) { Content = content };
        using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"HTTP {(int)response.StatusCode} {response.ReasonPhrase}", inner: null, response.StatusCode);
        }

        return await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
    }
}
