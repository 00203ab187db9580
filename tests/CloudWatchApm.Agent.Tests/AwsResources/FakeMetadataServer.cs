// Stands in for IMDS and the ECS task metadata endpoint on the test project's LocalHttpServer:
// routes answered as text, 404 elsewhere, or never an answer (accept the connection, read the
// request, say nothing).
using CloudWatchApm.Agent.Tests.Aws;

namespace CloudWatchApm.Agent.Tests.AwsResources;

internal sealed record FakeRequest(string Method, string Path, IReadOnlyDictionary<string, string> Headers);

internal sealed record FakeResponse(int Status, string Body)
{
    internal static FakeResponse Ok(string body) => new(200, body);

    internal static FakeResponse NotFound() => new(404, "Not Found");
}

internal sealed class FakeMetadataServer : IDisposable
{
    private readonly LocalHttpServer _server;

    /// <param name="handler">Answers a request; null means never answer.</param>
    internal FakeMetadataServer(Func<FakeRequest, FakeResponse?> handler)
    {
        _server = new LocalHttpServer(request =>
        {
            return handler(ToFake(request)) is { } response
                ? new LocalResponse(response.Status, response.Body, "text/plain")
                : null;
        });
    }

    /// <summary>A server that accepts connections and never answers.</summary>
    internal static FakeMetadataServer Silent() => new(_ => null);

    /// <summary>Answers GET/PUT on the given paths; 404 elsewhere.</summary>
    internal static FakeMetadataServer WithRoutes(IReadOnlyDictionary<string, string> routes)
        => new(request => routes.TryGetValue(request.Path, out var body) ? FakeResponse.Ok(body) : FakeResponse.NotFound());

    internal Uri BaseAddress => _server.BaseAddress;

    internal int Connections => _server.Connections;

    internal IReadOnlyList<FakeRequest> Requests => [.. _server.Requests.Select(ToFake)];

    public void Dispose() => _server.Dispose();

    private static FakeRequest ToFake(LocalRequest request) => new(request.Method, Uri.UnescapeDataString(request.Target), request.HeaderMap());
}
