using System.Text;
using Xunit;

namespace CloudWatchApm.Cli.Tests;

public sealed class StatusCommandTests : IDisposable
{
    private const int Pid = 4242;
    private readonly TempDirectory _temp = new();
    private readonly string _home;
    private readonly string _logs;

    public StatusCommandTests()
    {
        _home = TestHomes.Create(_temp.Combine("home"), "0.3.0");
        _logs = _temp.Combine("logs");
        Directory.CreateDirectory(_logs);
    }

    public void Dispose() => _temp.Dispose();

    private CliRun Proc(string environ, string maps)
    {
        var dir = _temp.Combine("proc", Pid.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Directory.CreateDirectory(dir);
        File.WriteAllBytes(Path.Combine(dir, "environ"), Encoding.UTF8.GetBytes(environ));
        File.WriteAllText(Path.Combine(dir, "maps"), maps);
        File.WriteAllText(Path.Combine(dir, "comm"), "dotnet\n");
        var run = new CliRun();
        run.Environment.ProcRoot = _temp.Combine("proc");
        return run;
    }

    private string Environ(bool hook = true) =>
        "PATH=/usr/bin\0OTEL_SERVICE_NAME=orders\0OTEL_DOTNET_AUTO_LOG_DIRECTORY=" + _logs + "\0"
        + (hook ? "DOTNET_STARTUP_HOOKS=" + _home + "/hook/CloudWatchApm.Agent.StartupHook.dll\0" : string.Empty);

    private string Maps(params string[] files)
    {
        var sb = new StringBuilder("7f0000000000-7f0000001000 r--p 00000000 08:01 1 /usr/lib/x86_64-linux-gnu/libc.so.6\n");
        sb.Append("7ffd00000000-7ffd00021000 rw-p 00000000 00:00 0 [stack]\n");
        foreach (var file in files)
        {
            sb.Append("7f1000000000-7f1000010000 r--s 00000000 08:01 77 ").Append(file).Append('\n');
            sb.Append("7f1000010000-7f1000020000 r-xp 00010000 08:01 77 ").Append(file).Append('\n');
        }

        return sb.ToString();
    }

    [Fact]
    public void Status_InstrumentedProcess_ReportsHookAgentHomeAndLoadingPath()
    {
        var run = Proc(Environ(), Maps(_home + "/agent/net10.0/CloudWatchApm.Agent.dll", _home + "/agent/net10.0/OpenTelemetry.dll"));
        File.WriteAllText(Path.Combine(_logs, "cwapm-dotnet-4242.log"), "2026-11-01T00:00:00.000Z [INFO] agent 0.3.0 started; loading path: net8.0 framework-dependent, additional deps + store\n");

        Assert.Equal(0, run.Invoke("status", "4242"));

        var text = run.Console.OutText;
        Assert.Contains("process 4242 (dotnet)", text, StringComparison.Ordinal);
        Assert.Contains("startup hook: " + _home + "/hook/CloudWatchApm.Agent.StartupHook.dll", text, StringComparison.Ordinal);
        Assert.Contains("service name: orders", text, StringComparison.Ordinal);
        Assert.Contains("agent: " + _home + "/agent/net10.0/CloudWatchApm.Agent.dll (home " + _home + ", version 0.3.0)", text, StringComparison.Ordinal);
        Assert.Contains("agent log: " + Path.Combine(_logs, "cwapm-dotnet-4242.log"), text, StringComparison.Ordinal);
        Assert.Contains("  loading path: net8.0 framework-dependent, additional deps + store\n", text, StringComparison.Ordinal);
        Assert.EndsWith("instrumented\n", text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Status_OperatorHookName_RecognisedOnlyInsideAnAgentHome(bool inAgentHome)
    {
        // The init image ships our hook as net/OpenTelemetry.AutoInstrumentation.StartupHook.dll;
        // the OpenTelemetry project's own auto-instrumentation uses the same name, without agent/.
        var home = inAgentHome ? _home : _temp.Combine("otel-auto");
        Directory.CreateDirectory(Path.Combine(home, "net"));
        var hook = home + "/net/OpenTelemetry.AutoInstrumentation.StartupHook.dll";
        var environ = "PATH=/usr/bin\0OTEL_DOTNET_AUTO_LOG_DIRECTORY=" + _logs + "\0DOTNET_STARTUP_HOOKS=" + hook + "\0";
        var run = Proc(environ, Maps(_home + "/agent/net10.0/CloudWatchApm.Agent.dll"));

        run.Invoke("status", "4242");

        Assert.Contains(inAgentHome ? "startup hook: " + hook : "startup hook: not set", run.Console.OutText, StringComparison.Ordinal);
    }

    [Fact]
    public void Status_TwoOpenTelemetryCopies_Flagged()
    {
        var run = Proc(Environ(), Maps(_home + "/agent/net10.0/CloudWatchApm.Agent.dll", _home + "/agent/net10.0/OpenTelemetry.dll", "/app/OpenTelemetry.dll"));

        Assert.Equal(1, run.Invoke("status", "4242"));

        Assert.Contains("more than one OpenTelemetry.dll is loaded", run.Console.OutText, StringComparison.Ordinal);
        Assert.Contains("OpenTelemetry: /app/OpenTelemetry.dll", run.Console.OutText, StringComparison.Ordinal);
    }

    [Fact]
    public void Status_TwoAgentCopies_Flagged()
    {
        var run = Proc(Environ(), Maps(_home + "/agent/net10.0/CloudWatchApm.Agent.dll", "/opt/cwapm/agent/net10.0/CloudWatchApm.Agent.dll"));

        Assert.Equal(1, run.Invoke("status", "4242"));

        Assert.Contains("the agent is loaded from more than one place", run.Console.OutText, StringComparison.Ordinal);
    }

    [Fact]
    public void Status_NotInstrumented_SaysHowToFix()
    {
        var run = Proc(Environ(hook: false), Maps());

        Assert.Equal(1, run.Invoke("status", "4242"));

        var text = run.Console.OutText;
        Assert.Contains("startup hook: not set", text, StringComparison.Ordinal);
        Assert.Contains("cwapm run", text, StringComparison.Ordinal);
        Assert.Contains("agent: not loaded", text, StringComparison.Ordinal);
        Assert.Contains("agent log: none found for pid 4242", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Status_HookSetButAgentNotLoaded_PointsAtLogWarnings()
    {
        var run = Proc(Environ(), Maps());
        File.WriteAllText(Path.Combine(_logs, "cwapm-dotnet-4242.log"), "t [WARN] self-contained .NET 8 app: cannot lift DiagnosticSource; running without the agent\n");

        Assert.Equal(1, run.Invoke("status", "4242"));

        Assert.Contains("log: t [WARN] self-contained .NET 8 app", run.Console.OutText, StringComparison.Ordinal);
        Assert.Contains("loading path: not logged yet", run.Console.OutText, StringComparison.Ordinal);
    }

    [Fact]
    public void Status_UnknownPid_ExitsOne()
    {
        var run = Proc(Environ(), Maps());

        Assert.Equal(1, run.Invoke("status", "999999"));

        Assert.Contains("no process 999999", run.Console.ErrorText, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("-1")]
    public void Status_BadPid_IsUsageError(string pid)
    {
        Assert.Equal(2, new CliRun().Invoke("status", "--", pid));
    }

    [Fact]
    public void Status_OwnProcessOnRealProc_ReadsEnvironmentAndMaps()
    {
        var run = new CliRun();
        run.Environment.ProcRoot = "/proc";

        var code = run.Invoke("status", Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture));

        // The test host may or may not have the agent's dll loaded (other tests use it): only
        // check that the real files were read.
        Assert.InRange(code, 0, 1);
        Assert.Contains("process " + Environment.ProcessId, run.Console.OutText, StringComparison.Ordinal);
        Assert.Contains("  startup hook: ", run.Console.OutText, StringComparison.Ordinal);
        Assert.DoesNotContain("cannot read", run.Console.OutText, StringComparison.Ordinal);
    }
}
