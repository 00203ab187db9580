// Stands in for the X-Ray daemon or the collector's awsproxy (sampling rules and targets) on
// the test project's LocalHttpServer. The handler returns null to model an endpoint that
// accepts the connection but never answers.
using System.Collections.Concurrent;

namespace CloudWatchApm.Agent.Tests.Aws.XRay;

internal sealed class MockXRayServer : IDisposable
{
    private readonly LocalHttpServer _server;

    internal MockXRayServer(Func<RecordedRequest, MockResponse?> handler)
    {
        _server = new LocalHttpServer(request =>
        {
            var recorded = new RecordedRequest(request.Method, request.Target.TrimStart('/'), request.HeaderMap(), request.BodyText);
            Requests.Enqueue(recorded);
            return handler(recorded) is { } response ? new LocalResponse(response.Status, response.Body, "application/json") : null;
        });
    }

    internal Uri Endpoint => _server.BaseAddress;

    internal ConcurrentQueue<RecordedRequest> Requests { get; } = new();

    internal int CountPath(string path) => Requests.Count(r => r.Path == path);

    public void Dispose() => _server.Dispose();
}

internal sealed record RecordedRequest(string Method, string Path, IReadOnlyDictionary<string, string> Headers, string Body);

internal sealed record MockResponse(int Status, string Body);
