// `load`: an open-loop load client. Request i is due at start + i/rate whatever happened to
// the requests before it, and its latency is measured from that due time, not from when it
// was actually sent: a stalled server (or a stalled client on a busy machine) shows up as
// latency instead of silently lowering the request rate (no coordinated omission).
//   load --url http://127.0.0.1:5200/orders/{n} --rate 200 --seconds 30 [--connections 64]
// "{n}" in the URL becomes 1..100 in turn. Prints one line of key=value results.
using System.Diagnostics;
using System.Globalization;

namespace CloudWatchApm.Agent.Benchmarks.Harness;

internal sealed class LoadClient : IDisposable
{
    private readonly HttpClient _client;
    private readonly Uri[] _uris = new Uri[100];
    private readonly long[] _latencies;
    private readonly bool[] _failed;

    private LoadClient(string url, int connections, int total)
    {
        for (var n = 0; n < _uris.Length; n++)
        {
            _uris[n] = new Uri(url.Replace("{n}", (n + 1).ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal));
        }

        var handler = new SocketsHttpHandler
        {
            MaxConnectionsPerServer = connections,
            UseProxy = false,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
        };
        _client = new HttpClient(handler, disposeHandler: true) { Timeout = TimeSpan.FromSeconds(30) };
        _latencies = new long[total];
        _failed = new bool[total];
    }

    internal static int Run(Options options)
    {
        var url = options.Require("url");
        var rate = options.Double("rate", 100);
        var seconds = options.Double("seconds", 10);
        var connections = options.Int("connections", 64);
        if (rate <= 0 || seconds <= 0)
        {
            throw new ArgumentException("--rate and --seconds must be positive");
        }

        var total = (int)Math.Ceiling(rate * seconds);
        using var load = new LoadClient(url, connections, total);
        Console.WriteLine(load.Drive(rate, total));
        return 0;
    }

    public void Dispose() => _client.Dispose();

    private string Drive(double rate, int total)
    {
        var tasks = new Task[total];
        var frequency = (double)Stopwatch.Frequency;
        var start = Stopwatch.GetTimestamp();
        var next = 0;
        while (next < total)
        {
            // Send everything that is due, never anything early; then sleep (not spin, which
            // would take a core from the measured process). A request sent late by the ~1 ms
            // sleep granularity (or a stalled client) has that lateness in its latency.
            var now = Stopwatch.GetTimestamp();
            while (next < total && start + (long)(next * frequency / rate) <= now)
            {
                tasks[next] = SendAsync(next, start + (long)(next * frequency / rate));
                next++;
            }

            if (next < total)
            {
                Thread.Sleep(1);
            }
        }

        Task.WaitAll(tasks);
        var elapsed = Stopwatch.GetElapsedTime(start).TotalSeconds;

        var ok = new List<long>(total);
        var errors = 0;
        for (var i = 0; i < total; i++)
        {
            if (_failed[i])
            {
                errors++;
            }
            else
            {
                ok.Add(_latencies[i]);
            }
        }

        ok.Sort();
        return string.Create(
            CultureInfo.InvariantCulture,
            $"requests={total} ok={ok.Count} errors={errors} seconds={elapsed:F1} achieved_rps={ok.Count / elapsed:F1} p50_ms={Percentile(ok, 0.50):F2} p90_ms={Percentile(ok, 0.90):F2} p99_ms={Percentile(ok, 0.99):F2} max_ms={Percentile(ok, 1.0):F2}");
    }

    private async Task SendAsync(int index, long due)
    {
        try
        {
            using var response = await _client.GetAsync(_uris[index % _uris.Length], HttpCompletionOption.ResponseContentRead).ConfigureAwait(false);
            _failed[index] = !response.IsSuccessStatusCode;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or IOException)
        {
            _failed[index] = true;
        }

        _latencies[index] = Stopwatch.GetTimestamp() - due;
    }

    private static double Percentile(List<long> sorted, double p)
    {
        if (sorted.Count == 0)
        {
            return double.NaN;
        }

        var index = (int)Math.Ceiling(p * sorted.Count) - 1;
        return sorted[Math.Clamp(index, 0, sorted.Count - 1)] * 1000.0 / Stopwatch.Frequency;
    }
}
