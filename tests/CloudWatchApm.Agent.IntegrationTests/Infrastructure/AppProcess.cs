// A test application started the way a user starts one: through <home>/instrument.sh (or
// `cwapm run`), with a clean environment plus what the test sets. Captures output, finds the
// app's port, and stops it with SIGTERM like a service manager would.
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;

namespace CloudWatchApm.Agent.IntegrationTests.Infrastructure;

internal sealed partial class AppProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();
    private readonly TaskCompletionSource<bool> _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private AppProcess(Process process)
    {
        _process = process;
    }

    internal int Port { get; private set; }

    internal Uri BaseAddress => new($"http://127.0.0.1:{Port}");

    internal string LogDirectory { get; private set; } = string.Empty;

    internal int Id => _process.Id;

    internal string StandardOutput
    {
        get
        {
            lock (_stdout)
            {
                return _stdout.ToString();
            }
        }
    }

    internal string StandardError
    {
        get
        {
            lock (_stderr)
            {
                return _stderr.ToString();
            }
        }
    }

    internal bool HasExited => _process.HasExited;

    internal int ExitCode => _process.ExitCode;

    /// <summary>The text of every agent log file this process wrote.</summary>
    internal string AgentLog()
    {
        if (!Directory.Exists(LogDirectory))
        {
            return string.Empty;
        }

        var sb = new StringBuilder();
        foreach (var file in Directory.GetFiles(LogDirectory, "cwapm-*.log"))
        {
            sb.Append(File.ReadAllText(file));
        }

        return sb.ToString();
    }

    internal static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>
    /// Starts <paramref name="command"/> with <paramref name="arguments"/>. When
    /// <paramref name="instrument"/> is true the command is wrapped in <c>instrument.sh</c>.
    /// </summary>
    internal static AppProcess Start(string command, IEnumerable<string> arguments, IDictionary<string, string?> environment, bool instrument = true, string? workingDirectory = null, int? port = null)
    {
        var psi = new ProcessStartInfo
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Path.GetTempPath(),
        };

        if (instrument)
        {
            psi.FileName = Path.Combine(TestPaths.AgentHome, "instrument.sh");
            psi.ArgumentList.Add(command);
        }
        else
        {
            psi.FileName = command;
        }

        foreach (var a in arguments)
        {
            psi.ArgumentList.Add(a);
        }

        // Start from a clean slate: the test runner's own variables must not leak in.
        foreach (var key in psi.Environment.Keys.ToList())
        {
            if (key.StartsWith("OTEL_", StringComparison.Ordinal) || key.StartsWith("DOTNET_", StringComparison.Ordinal) || key.StartsWith("CORECLR_", StringComparison.Ordinal) || key.StartsWith("ASPNETCORE_", StringComparison.Ordinal))
            {
                psi.Environment.Remove(key);
            }
        }

        var logDir = Path.Combine(Path.GetTempPath(), "cwapm-it-logs", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(logDir);
        psi.Environment["OTEL_DOTNET_AUTO_LOG_DIRECTORY"] = logDir;
        psi.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        psi.Environment["DOTNET_NOLOGO"] = "1";
        var appPort = port ?? FreePort();
        psi.Environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{appPort}";
        foreach (var (key, value) in environment)
        {
            if (value is null)
            {
                psi.Environment.Remove(key);
            }
            else
            {
                psi.Environment[key] = value;
            }
        }

        var process = new Process { StartInfo = psi, EnableRaisingEvents = true };
        var app = new AppProcess(process) { Port = appPort, LogDirectory = logDir };
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (app._stdout)
                {
                    app._stdout.AppendLine(e.Data);
                }
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (app._stderr)
                {
                    app._stderr.AppendLine(e.Data);
                }
            }
        };
        process.Exited += (_, _) => app._exited.TrySetResult(true);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return app;
    }

    /// <summary>Starts a published test app with `dotnet app.dll` (or its apphost when self-contained).</summary>
    internal static AppProcess StartApp(string appDirectory, string appName, IDictionary<string, string?> environment, string? dotnet = null, bool instrument = true)
    {
        var apphost = Path.Combine(appDirectory, appName);
        var dll = Path.Combine(appDirectory, appName + ".dll");
        var selfContained = File.Exists(Path.Combine(appDirectory, "libhostpolicy.so"));
        if (selfContained)
        {
            return Start(apphost, [], environment, instrument);
        }

        var env = new Dictionary<string, string?>(environment);
        var exe = dotnet ?? TestPaths.SystemDotnet;
        if (dotnet is not null)
        {
            env["DOTNET_ROOT"] = Path.GetDirectoryName(dotnet);
            env["DOTNET_MULTILEVEL_LOOKUP"] = "0";
        }

        return Start(exe, [dll], env, instrument);
    }

    /// <summary>Waits until the app has printed the text on stdout; fails if it exits first.</summary>
    internal Task WaitForOutputAsync(string text, TimeSpan timeout) => WaitForTextAsync(() => StandardOutput, "stdout", text, timeout);

    /// <summary>Waits until the agent's log for this process holds the text; fails if the app exits first.</summary>
    internal Task WaitForAgentLogAsync(string text, TimeSpan timeout) => WaitForTextAsync(AgentLog, "the agent log", text, timeout);

    /// <summary>
    /// Waits until the agent has built an ASP.NET Core app's metrics, which by default happens
    /// after the app's first request (OTEL_DOTNET_AUTO_METRICS_START): requests that begin
    /// earlier are traced but not measured.
    /// </summary>
    internal Task WaitForMetricsStartedAsync(TimeSpan timeout) => WaitForAgentLogAsync("metrics started", timeout);

    private async Task WaitForTextAsync(Func<string> read, string where, string text, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!read().Contains(text, StringComparison.Ordinal))
        {
            if (HasExited)
            {
                throw new InvalidOperationException($"the app exited before '{text}' was in {where}:\n{read()}\n{StandardOutput}\n{StandardError}");
            }

            if (DateTime.UtcNow >= deadline)
            {
                throw new TimeoutException($"no '{text}' in {where} within {timeout}:\n{read()}");
            }

            await Task.Delay(50);
        }
    }

    /// <summary>Waits until the app answers GET /health (or the given path).</summary>
    internal async Task WaitUntilReadyAsync(TimeSpan timeout, string path = "/health")
    {
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (HasExited)
            {
                throw new InvalidOperationException($"the app exited with {ExitCode} before it was ready.\nstdout:\n{StandardOutput}\nstderr:\n{StandardError}\nagent log:\n{AgentLog()}");
            }

            try
            {
                using var response = await client.GetAsync(new Uri(BaseAddress, path));
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            catch (TaskCanceledException)
            {
                // Slow first request.
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"the app did not answer {path} within {timeout}.\nstdout:\n{StandardOutput}\nstderr:\n{StandardError}\nagent log:\n{AgentLog()}");
    }

    internal async Task<string> GetAsync(string path)
    {
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        using var response = await client.GetAsync(new Uri(BaseAddress, path));
        return await response.Content.ReadAsStringAsync();
    }

    internal async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request)
    {
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        return await client.SendAsync(request);
    }

    /// <summary>Sends a signal (SIGTERM by default) and waits for the exit.</summary>
    internal async Task<bool> StopAsync(TimeSpan timeout, int signal = 15)
    {
        if (!HasExited)
        {
            _ = Kill(_process.Id, signal);
        }

        return await WaitForExitAsync(timeout);
    }

    internal async Task<bool> WaitForExitAsync(TimeSpan timeout)
    {
        var finished = await Task.WhenAny(_exited.Task, Task.Delay(timeout)) == _exited.Task;
        if (finished)
        {
            // Drain the asynchronous output readers.
            await _process.WaitForExitAsync();
        }

        return finished;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await WaitForExitAsync(TimeSpan.FromSeconds(10));
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }

        _process.Dispose();
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static partial int Kill(int pid, int signal);
}
