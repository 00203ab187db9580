// Small process helpers for the test servers: run a setup command to completion, start a
// long-running server with its output kept for the failure message, wait for a TCP port.
using System.Diagnostics;
using System.Net.Sockets;
using System.Text;

namespace CloudWatchApm.Agent.IntegrationTests.Services;

internal sealed partial class ServerProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private ServerProcess(Process process)
    {
        _process = process;
    }

    internal int Id => _process.Id;

    internal bool HasExited => _process.HasExited;

    internal string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    internal static bool IsRoot => GetEffectiveUserId() == 0;

    /// <summary>Starts a server in the background; stdout and stderr are kept.</summary>
    internal static ServerProcess Start(string file, IEnumerable<string> arguments, IDictionary<string, string>? environment = null, string? workingDirectory = null)
    {
        var psi = Info(file, arguments, environment, workingDirectory);
        var process = new Process { StartInfo = psi, EnableRaisingEvents = true };
        var server = new ServerProcess(process);
        process.OutputDataReceived += (_, e) => server.Append(e.Data);
        process.ErrorDataReceived += (_, e) => server.Append(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return server;
    }

    /// <summary>Runs a command to completion; throws with its output when it fails.</summary>
    internal static async Task<string> RunAsync(string file, IEnumerable<string> arguments, IDictionary<string, string>? environment = null, TimeSpan? timeout = null, string? workingDirectory = null)
    {
        using var server = Start(file, arguments, environment, workingDirectory);
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromMinutes(2));
        try
        {
            await server._process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            server.Kill();
            throw new TimeoutException($"'{file} {string.Join(' ', arguments)}' did not finish in time:\n{server.Output}");
        }

        if (server._process.ExitCode != 0)
        {
            throw new InvalidOperationException($"'{file} {string.Join(' ', arguments)}' failed with exit code {server._process.ExitCode}:\n{server.Output}");
        }

        return server.Output;
    }

    /// <summary>Waits until something accepts connections on 127.0.0.1:<paramref name="port"/>.</summary>
    internal static async Task WaitForPortAsync(int port, TimeSpan timeout, Func<bool> failed, Func<string> describe)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (failed())
            {
                throw new InvalidOperationException("the server exited before it was ready:\n" + describe());
            }

            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync("127.0.0.1", port);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(100);
            }
        }

        throw new TimeoutException($"nothing listened on 127.0.0.1:{port} within {timeout}:\n{describe()}");
    }

    internal void Signal(int signal)
    {
        if (!_process.HasExited)
        {
            _ = SysKill(_process.Id, signal);
        }
    }

    internal async Task<bool> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    internal void Kill()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }

    public void Dispose()
    {
        Kill();
        _process.Dispose();
    }

    private static ProcessStartInfo Info(string file, IEnumerable<string> arguments, IDictionary<string, string>? environment, string? workingDirectory)
    {
        var psi = new ProcessStartInfo
        {
            FileName = file,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Path.GetTempPath(),
        };
        foreach (var a in arguments)
        {
            psi.ArgumentList.Add(a);
        }

        // The agent must never load into the servers' helper tools.
        foreach (var key in psi.Environment.Keys.Where(k => k.StartsWith("DOTNET_", StringComparison.Ordinal) || k.StartsWith("OTEL_", StringComparison.Ordinal)).ToList())
        {
            psi.Environment.Remove(key);
        }

        if (environment is not null)
        {
            foreach (var (key, value) in environment)
            {
                psi.Environment[key] = value;
            }
        }

        return psi;
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            // Keep the tail only: RabbitMQ and MariaDB are chatty.
            if (_output.Length > 64_000)
            {
                _output.Remove(0, 32_000);
            }

            _output.AppendLine(line);
        }
    }

    [System.Runtime.InteropServices.LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    [System.Runtime.InteropServices.DefaultDllImportSearchPaths(System.Runtime.InteropServices.DllImportSearchPath.SafeDirectories)]
    private static partial int SysKill(int pid, int signal);

    [System.Runtime.InteropServices.LibraryImport("libc", EntryPoint = "geteuid")]
    [System.Runtime.InteropServices.DefaultDllImportSearchPaths(System.Runtime.InteropServices.DllImportSearchPath.SafeDirectories)]
    private static partial uint GetEffectiveUserId();
}
