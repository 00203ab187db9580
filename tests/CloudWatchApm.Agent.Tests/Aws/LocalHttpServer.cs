// The test project's one small HTTP/1.1 server, on 127.0.0.1 and an OS-chosen port (no race),
// behind every AWS fake: DynamoDB, SQS, CloudWatch's OTLP endpoints, the X-Ray daemon and
// IMDS/ECS metadata. Raw sockets, one request per connection, bodies read as bytes by
// Content-Length (or chunked), so the test project needs no ASP.NET Core. A handler that
// returns null models an endpoint that accepts the connection and never answers.
using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace CloudWatchApm.Agent.Tests.Aws;

internal sealed record LocalRequest(string Method, string Target, IReadOnlyList<KeyValuePair<string, string>> HeaderList, byte[] Body)
{
    internal string Path => Target.Split('?')[0];

    internal string Query => Target.Contains('?', StringComparison.Ordinal) ? Target[(Target.IndexOf('?', StringComparison.Ordinal) + 1)..] : string.Empty;

    internal string BodyText => Encoding.UTF8.GetString(Body);

    /// <summary>The headers by name, case-insensitive; a repeated header keeps its last value.</summary>
    internal Dictionary<string, string> HeaderMap()
    {
        var map = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, value) in HeaderList)
        {
            map[name] = value;
        }

        return map;
    }

    internal string? Header(string name) => HeaderList.Where(h => string.Equals(h.Key, name, StringComparison.OrdinalIgnoreCase)).Select(h => h.Value).FirstOrDefault();
}

internal sealed record LocalResponse(int Status, string Body, string ContentType = "application/x-amz-json-1.0", IReadOnlyDictionary<string, string>? Headers = null)
{
    internal byte[]? BinaryBody { get; init; }
}

internal sealed class LocalHttpServer : IDisposable
{
    private readonly TcpListener _listener;
    private readonly Func<LocalRequest, LocalResponse?> _handler;
    private readonly CancellationTokenSource _stop = new();
    private int _connections;

    internal LocalHttpServer(Func<LocalRequest, LocalResponse?> handler)
    {
        _handler = handler;
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        BaseAddress = new Uri("http://127.0.0.1:" + Port.ToString(CultureInfo.InvariantCulture) + "/");
        _ = Task.Run(AcceptLoopAsync);
    }

    internal int Port { get; }

    internal Uri BaseAddress { get; }

    internal ConcurrentQueue<LocalRequest> Requests { get; } = new();

    /// <summary>Connections accepted so far (a detector that must not call out checks 0).</summary>
    internal int Connections => Volatile.Read(ref _connections);

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
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
                var request = await ReadAsync(stream, _stop.Token);
                if (request is null)
                {
                    return;
                }

                Requests.Enqueue(request);
                LocalResponse? response;
                try
                {
                    response = _handler(request);
                }
                catch (Exception ex)
                {
                    response = new LocalResponse(500, ex.ToString(), "text/plain");
                }

                if (response is null)
                {
                    // Hold the connection open and say nothing until the server stops.
                    await Task.Delay(Timeout.Infinite, _stop.Token);
                    return;
                }

                var body = response.BinaryBody ?? Encoding.UTF8.GetBytes(response.Body);
                var head = new StringBuilder()
                    .Append(CultureInfo.InvariantCulture, $"HTTP/1.1 {response.Status} Local\r\n")
                    .Append(CultureInfo.InvariantCulture, $"Content-Type: {response.ContentType}\r\n")
                    .Append(CultureInfo.InvariantCulture, $"Content-Length: {body.Length}\r\n")
                    .Append("Connection: close\r\n");
                foreach (var (name, value) in response.Headers ?? new Dictionary<string, string>())
                {
                    head.Append(CultureInfo.InvariantCulture, $"{name}: {value}\r\n");
                }

                head.Append("\r\n");
                await stream.WriteAsync(Encoding.ASCII.GetBytes(head.ToString()), _stop.Token);
                await stream.WriteAsync(body, _stop.Token);
                await stream.FlushAsync(_stop.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or IOException or ObjectDisposedException or SocketException)
            {
                // The client went away or the server stopped.
            }
        }
    }

    private static async Task<LocalRequest?> ReadAsync(NetworkStream stream, CancellationToken cancellationToken)
    {
        var buffer = new MemoryStream();
        var chunk = new byte[8192];
        int headerEnd;
        while ((headerEnd = IndexOf(buffer.GetBuffer().AsSpan(0, (int)buffer.Length), "\r\n\r\n"u8)) < 0)
        {
            var read = await stream.ReadAsync(chunk, cancellationToken);
            if (read == 0)
            {
                return null;
            }

            buffer.Write(chunk, 0, read);
        }

        var all = buffer.ToArray();
        var lines = Encoding.ASCII.GetString(all, 0, headerEnd).Split("\r\n");
        var requestLine = lines[0].Split(' ');
        var headers = new List<KeyValuePair<string, string>>();
        foreach (var line in lines.Skip(1))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0)
            {
                headers.Add(new(line[..colon].Trim(), line[(colon + 1)..].Trim()));
            }
        }

        var body = new MemoryStream();
        body.Write(all, headerEnd + 4, all.Length - headerEnd - 4);
        var lengthHeader = headers.FirstOrDefault(h => string.Equals(h.Key, "Content-Length", StringComparison.OrdinalIgnoreCase)).Value;
        var chunked = headers.Any(h => string.Equals(h.Key, "Transfer-Encoding", StringComparison.OrdinalIgnoreCase) && h.Value.Contains("chunked", StringComparison.OrdinalIgnoreCase));
        if (chunked)
        {
            while (IndexOf(body.GetBuffer().AsSpan(0, (int)body.Length), "0\r\n\r\n"u8) < 0)
            {
                var read = await stream.ReadAsync(chunk, cancellationToken);
                if (read == 0)
                {
                    break;
                }

                body.Write(chunk, 0, read);
            }

            return new LocalRequest(requestLine[0], requestLine[1], headers, Dechunk(body.ToArray()));
        }

        var length = lengthHeader is null ? 0 : int.Parse(lengthHeader, CultureInfo.InvariantCulture);
        while (body.Length < length)
        {
            var read = await stream.ReadAsync(chunk, cancellationToken);
            if (read == 0)
            {
                break;
            }

            body.Write(chunk, 0, read);
        }

        return new LocalRequest(requestLine[0], requestLine[1], headers, body.ToArray()[..Math.Min(length, (int)body.Length)]);
    }

    private static byte[] Dechunk(byte[] data)
    {
        var result = new MemoryStream();
        var position = 0;
        while (position < data.Length)
        {
            var lineEnd = IndexOf(data.AsSpan(position), "\r\n"u8);
            if (lineEnd < 0)
            {
                break;
            }

            var size = int.Parse(Encoding.ASCII.GetString(data, position, lineEnd).Split(';')[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            position += lineEnd + 2;
            if (size == 0)
            {
                break;
            }

            result.Write(data, position, size);
            position += size + 2;
        }

        return result.ToArray();
    }

    private static int IndexOf(ReadOnlySpan<byte> data, ReadOnlySpan<byte> value) => data.IndexOf(value);
}
