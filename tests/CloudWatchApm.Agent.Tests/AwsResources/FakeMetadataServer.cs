// A tiny HTTP/1.1 server on 127.0.0.1 and an OS-chosen port, standing in for IMDS and the ECS
// task metadata endpoint. Raw sockets rather than Kestrel or HttpListener: port 0 without a
// race, no ASP.NET Core reference in the test project, and full control over "never answers"
// (accept the connection, read the request, say nothing).
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace CloudWatchApm.Agent.Tests.AwsResources;

internal sealed record FakeRequest(string Method, string Path, IReadOnlyDictionary<string, string> Headers);

internal sealed record FakeResponse(int Status, string Body)
{
    internal static FakeResponse Ok(string body) => new(200, body);

    internal static FakeResponse NotFound() => new(404, "Not Found");
}

internal sealed class FakeMetadataServer : IDisposable
{
    private readonly TcpListener _listener;
    private readonly Func<FakeRequest, FakeResponse?> _handler;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentQueue<FakeRequest> _requests = new();
    private readonly ConcurrentBag<TcpClient> _clients = [];
    private int _connections;

    /// <param name="handler">Answers a request; null means never answer.</param>
    internal FakeMetadataServer(Func<FakeRequest, FakeResponse?> handler)
    {
        _handler = handler;
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        BaseAddress = new Uri("http://127.0.0.1:" + ((IPEndPoint)_listener.LocalEndpoint).Port + "/");
        _ = AcceptLoopAsync();
    }

    /// <summary>A server that accepts connections and never answers.</summary>
    internal static FakeMetadataServer Silent() => new(_ => null);

    /// <summary>Answers GET/PUT on the given paths; 404 elsewhere.</summary>
    internal static FakeMetadataServer WithRoutes(IReadOnlyDictionary<string, string> routes)
        => new(request => routes.TryGetValue(request.Path, out var body) ? FakeResponse.Ok(body) : FakeResponse.NotFound());

    internal Uri BaseAddress { get; }

    internal int Connections => Volatile.Read(ref _connections);

    internal IReadOnlyList<FakeRequest> Requests => [.. _requests];

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        foreach (var client in _clients)
        {
            client.Dispose();
        }

        _stop.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            Interlocked.Increment(ref _connections);
            _clients.Add(client);
            _ = ServeAsync(client);
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        try
        {
            var stream = client.GetStream();
            using var reader = new StreamReader(stream, Encoding.ASCII, detectEncodingFromByteOrderMarks: false, leaveOpen: true);
            while (!_stop.IsCancellationRequested)
            {
                var requestLine = await reader.ReadLineAsync(_stop.Token);
                if (string.IsNullOrEmpty(requestLine))
                {
                    return;
                }

                var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
                string? line;
                while (!string.IsNullOrEmpty(line = await reader.ReadLineAsync(_stop.Token)))
                {
                    var colon = line.IndexOf(':', StringComparison.Ordinal);
                    if (colon > 0)
                    {
                        headers[line[..colon].Trim()] = line[(colon + 1)..].Trim();
                    }
                }

                // Metadata requests carry no body; skip one if a client sends it anyway.
                if (headers.TryGetValue("Content-Length", out var length) && int.TryParse(length, out var count) && count > 0)
                {
                    var body = new char[count];
                    await reader.ReadBlockAsync(body, _stop.Token);
                }

                var parts = requestLine.Split(' ');
                var request = new FakeRequest(parts[0], parts.Length > 1 ? Uri.UnescapeDataString(parts[1]) : "/", headers);
                _requests.Enqueue(request);

                var response = _handler(request);
                if (response is null)
                {
                    // Hold the connection open until the server is disposed.
                    await Task.Delay(Timeout.Infinite, _stop.Token);
                    return;
                }

                var payload = Encoding.UTF8.GetBytes(response.Body);
                var head = "HTTP/1.1 " + response.Status + " X\r\nContent-Type: text/plain\r\nContent-Length: " + payload.Length + "\r\n\r\n";
                await stream.WriteAsync(Encoding.ASCII.GetBytes(head), _stop.Token);
                await stream.WriteAsync(payload, _stop.Token);
                await stream.FlushAsync(_stop.Token);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or ObjectDisposedException or SocketException)
        {
            // The client went away or the server stopped.
        }
    }
}
