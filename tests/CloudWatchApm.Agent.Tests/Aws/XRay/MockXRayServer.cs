// A tiny HTTP/1.1 server on 127.0.0.1 with an ephemeral port, standing in for the X-Ray daemon
// or the collector's awsproxy. Plain TcpListener so the tests need no ASP.NET Core reference.
// The handler returns null to model an endpoint that accepts the connection but never answers.
using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace CloudWatchApm.Agent.Tests.Aws.XRay;

internal sealed class MockXRayServer : IDisposable
{
    private readonly TcpListener _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly Func<RecordedRequest, MockResponse?> _handler;
    private readonly Task _acceptLoop;

    internal MockXRayServer(Func<RecordedRequest, MockResponse?> handler)
    {
        _handler = handler;
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        var port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        Endpoint = new Uri("http://127.0.0.1:" + port.ToString(CultureInfo.InvariantCulture) + "/");
        _acceptLoop = Task.Run(AcceptLoopAsync);
    }

    internal Uri Endpoint { get; }

    internal ConcurrentQueue<RecordedRequest> Requests { get; } = new();

    internal int CountPath(string path) => Requests.Count(r => r.Path == path);

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        try
        {
            _acceptLoop.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
            // The loop ends by the listener throwing; nothing to report.
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
            catch (Exception)
            {
                return;
            }

            _ = Task.Run(() => ServeAsync(client));
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using (client)
        {
            try
            {
                var stream = client.GetStream();
                var request = await ReadRequestAsync(stream, _stop.Token);
                if (request is null)
                {
                    return;
                }

                Requests.Enqueue(request);
                var response = _handler(request);
                if (response is null)
                {
                    // Hold the connection open and say nothing until the server stops.
                    await Task.Delay(Timeout.Infinite, _stop.Token);
                    return;
                }

                var body = Encoding.UTF8.GetBytes(response.Body);
                var head = "HTTP/1.1 " + response.Status.ToString(CultureInfo.InvariantCulture) + " Mock\r\n"
                    + "Content-Type: application/json\r\n"
                    + "Content-Length: " + body.Length.ToString(CultureInfo.InvariantCulture) + "\r\n"
                    + "Connection: close\r\n\r\n";
                await stream.WriteAsync(Encoding.ASCII.GetBytes(head), _stop.Token);
                await stream.WriteAsync(body, _stop.Token);
                await stream.FlushAsync(_stop.Token);
            }
            catch (Exception)
            {
                // Client went away or the server is stopping.
            }
        }
    }

    private static async Task<RecordedRequest?> ReadRequestAsync(NetworkStream stream, CancellationToken cancellationToken)
    {
        var buffer = new List<byte>();
        var chunk = new byte[4096];
        int headerEnd;
        while ((headerEnd = IndexOfHeaderEnd(buffer)) < 0)
        {
            var read = await stream.ReadAsync(chunk, cancellationToken);
            if (read == 0)
            {
                return null;
            }

            buffer.AddRange(chunk.AsSpan(0, read).ToArray());
        }

        var headText = Encoding.ASCII.GetString(buffer.GetRange(0, headerEnd).ToArray());
        var lines = headText.Split("\r\n");
        var requestLine = lines[0].Split(' ');
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var line in lines.Skip(1))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0)
            {
                headers[line[..colon].Trim()] = line[(colon + 1)..].Trim();
            }
        }

        var length = headers.TryGetValue("Content-Length", out var value) ? int.Parse(value, CultureInfo.InvariantCulture) : 0;
        var bodyStart = headerEnd + 4;
        while (buffer.Count - bodyStart < length)
        {
            var read = await stream.ReadAsync(chunk, cancellationToken);
            if (read == 0)
            {
                break;
            }

            buffer.AddRange(chunk.AsSpan(0, read).ToArray());
        }

        var body = Encoding.UTF8.GetString(buffer.GetRange(bodyStart, Math.Min(length, buffer.Count - bodyStart)).ToArray());
        return new RecordedRequest(requestLine[0], requestLine[1].TrimStart('/'), headers, body);
    }

    private static int IndexOfHeaderEnd(List<byte> buffer)
    {
        for (var i = 0; i + 3 < buffer.Count; i++)
        {
            if (buffer[i] == '\r' && buffer[i + 1] == '\n' && buffer[i + 2] == '\r' && buffer[i + 3] == '\n')
            {
                return i;
            }
        }

        return -1;
    }
}

internal sealed record RecordedRequest(string Method, string Path, IReadOnlyDictionary<string, string> Headers, string Body);

internal sealed record MockResponse(int Status, string Body);
