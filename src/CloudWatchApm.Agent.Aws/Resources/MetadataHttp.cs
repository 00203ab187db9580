// HTTP to link-local metadata endpoints (IMDS, ECS task metadata). These calls happen at
// application startup, so they must be short, bounded and immune to the environment:
// - no proxy: an HTTP(S)_PROXY meant for the app would never reach 169.254.x.x;
// - synchronous Send: detectors run on dedicated threads at startup and the sync path needs
//   no thread-pool thread to finish, so a starved pool cannot stretch the time box;
// - one CancellationToken from the caller bounds connect, send and read together.
using System.Net;

namespace CloudWatchApm.Agent.Aws.Resources;

internal static class MetadataHttp
{
    // Identity and task documents are a few KB; a task with many containers stays well below this.
    private const int MaxResponseBytes = 1024 * 1024;

    internal static HttpClient CreateClient(TimeSpan connectTimeout)
    {
        var handler = new SocketsHttpHandler
        {
            UseProxy = false,
            AllowAutoRedirect = false,
            UseCookies = false,
            ConnectTimeout = connectTimeout,
            PooledConnectionLifetime = TimeSpan.FromSeconds(30),
        };

        return new HttpClient(handler, disposeHandler: true)
        {
            // The caller's token is the time box; HttpClient's own timeout would be a second clock.
            Timeout = Timeout.InfiniteTimeSpan,
            MaxResponseContentBufferSize = MaxResponseBytes,
        };
    }

    /// <summary>Sends a request; true with the body on a 2xx answer, false with a reason otherwise.</summary>
    internal static bool TrySend(HttpClient client, HttpRequestMessage request, CancellationToken cancellationToken, out string body, out string error)
    {
        body = string.Empty;
        error = string.Empty;
        try
        {
            using var response = client.Send(request, HttpCompletionOption.ResponseContentRead, cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                error = request.Method + " " + request.RequestUri?.AbsolutePath + " answered HTTP " + (int)response.StatusCode;
                return false;
            }

            using var stream = response.Content.ReadAsStream(cancellationToken);
            using var reader = new StreamReader(stream);
            body = reader.ReadToEnd();
            return true;
        }
        catch (OperationCanceledException)
        {
            error = request.Method + " " + request.RequestUri?.AbsolutePath + " did not answer in time";
            return false;
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException or WebException or InvalidOperationException or NotSupportedException)
        {
            error = request.Method + " " + request.RequestUri?.AbsolutePath + " failed: " + ex.Message;
            return false;
        }
    }
}
