// `cwapm install` from the built tarball, then `cwapm run` from the installed home: flags become
// the app's configuration, and the app is exactly what runs (same pid, its exit code, its
// signals), as if started directly.
using CloudWatchApm.Agent.IntegrationTests.Collector;
using CloudWatchApm.Agent.IntegrationTests.Configuration;
using CloudWatchApm.Agent.IntegrationTests.Infrastructure;
using Xunit;

namespace CloudWatchApm.Agent.IntegrationTests.Cli;

[Collection(InstalledCwapmCollection.Name)]
public sealed class CwapmRunTests(InstalledCwapm cwapm)
{
    [Fact]
    public void Install_FromBuiltTarball_VerifiedHomeAndActivationLines()
    {
        Assert.True(cwapm.Install.ExitCode == 0, cwapm.Install.ToString());
        Assert.Contains("sha256 of " + Path.GetFileName(cwapm.Tarball) + " matches", cwapm.Install.Stdout, StringComparison.Ordinal);
        Assert.Contains("Installed cwapm ", cwapm.Install.Stdout, StringComparison.Ordinal);
        Assert.Contains(cwapm.Home + "/cwapm run --service-name <your-service> -- dotnet <app>.dll", cwapm.Install.Stdout, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(cwapm.Home, "hook", "CloudWatchApm.Agent.StartupHook.dll")));
        Assert.True(File.Exists(Path.Combine(cwapm.Home, "checksums.sha256")));
    }

    [Fact]
    public async Task Run_ServiceNameFlag_SpansArriveWithThatServiceName()
    {
        await using var collector = await MockCollector.StartAsync();
        var env = ConfigApps.Env(collector, "from-the-environment");
        await using var app = AppProcess.Start(
            cwapm.Cwapm,
            ["run", "--service-name", "cli-run", "--traces_exporter", "otlp", "--", "dotnet", Path.Combine(TestPaths.App("WebApp", "net10.0"), "WebApp.dll")],
            env,
            instrument: false);
        await app.WaitUntilReadyAsync(ConfigApps.Ready);

        Assert.Equal("{\"id\":\"42\"}", await app.GetAsync("/call"));
        await Traces.AssertCallTraceAsync(collector, "cli-run");
        Assert.True(await app.StopAsync(ConfigApps.Stop));
        Assert.Contains("cwapm agent", app.AgentLog(), StringComparison.Ordinal);
        Assert.Contains("home: " + cwapm.Home, app.AgentLog(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_AppExitCode_IsCwapmsExitCode()
    {
        var env = new Dictionary<string, string?> { ["EXIT_CODE"] = "7", ["CALL_COUNT"] = "0", ["OTEL_SDK_DISABLED"] = "true" };
        var result = await InstalledCwapm.RunAsync(cwapm.Cwapm, ["run", "--", "dotnet", ConsoleAppDll], env);
        Assert.True(result.ExitCode == 7, result.ToString());
    }

    [Fact]
    public async Task Run_Sigterm_HostedAppStopsGracefullyAndFlushes()
    {
        await using var collector = await MockCollector.StartAsync();
        var env = ConfigApps.Env(collector, "cli-sigterm-web");

        // A long batch delay: the span can only arrive through the app's own shutdown flush.
        env["OTEL_BSP_SCHEDULE_DELAY"] = "60000";
        await using var app = AppProcess.Start(cwapm.Cwapm, ["run", "--", "dotnet", Path.Combine(TestPaths.App("WebApp", "net10.0"), "WebApp.dll")], env, instrument: false);
        await app.WaitUntilReadyAsync(ConfigApps.Ready);
        await app.GetAsync("/users/1");

        // cwapm replaced itself with the app: the pid we started is the app's, and the signal is its own.
        Assert.Contains("WebApp.dll", await File.ReadAllTextAsync($"/proc/{app.Id}/cmdline"), StringComparison.Ordinal);
        Assert.Empty(collector.Spans);
        Assert.True(await app.StopAsync(ConfigApps.Stop), "the app did not exit on SIGTERM");
        Assert.True(app.ExitCode == 0, $"exit {app.ExitCode}: the host did not stop gracefully\n{app.StandardError}");
        Assert.Single(collector.Spans, s => s.Name == "GET /users/{id}");
    }

    [Fact]
    public async Task Run_Sigterm_ConsoleAppIsTerminatedAsIfStartedDirectly()
    {
        var env = new Dictionary<string, string?> { ["WAIT_FOR_SIGNAL"] = "1", ["CALL_COUNT"] = "0", ["OTEL_TRACES_EXPORTER"] = "none", ["OTEL_METRICS_EXPORTER"] = "none" };
        await using var app = AppProcess.Start(cwapm.Cwapm, ["run", "--", "dotnet", ConsoleAppDll], env, instrument: false);
        await app.WaitForOutputAsync("ready", ConfigApps.Ready);

        Assert.Contains("ConsoleApp.dll", await File.ReadAllTextAsync($"/proc/{app.Id}/cmdline"), StringComparison.Ordinal);
        Assert.True(await app.StopAsync(ConfigApps.Stop), "the app did not exit on SIGTERM");
        Assert.Equal(143, app.ExitCode);
    }

    [Fact]
    public async Task Run_Sigterm_ConsoleAppFlushesItsSpans()
    {
        await using var collector = await MockCollector.StartAsync();
        var env = ConfigApps.Env(collector, "cli-sigterm");
        env["OTEL_BSP_SCHEDULE_DELAY"] = "60000";
        env["WAIT_FOR_SIGNAL"] = "1";
        env["CALL_COUNT"] = "2";
        env["TARGET_URL"] = collector.HttpEndpoint + "/anything";
        await using var app = AppProcess.Start(cwapm.Cwapm, ["run", "--", "dotnet", ConsoleAppDll], env, instrument: false);
        await app.WaitForOutputAsync("ready", ConfigApps.Ready);
        Assert.True(await app.StopAsync(ConfigApps.Stop), "the app did not exit on SIGTERM");
        var spans = collector.Spans.Count(s => s.Kind == OtlpSpanKind.Client && s.IsFrom("cli-sigterm"));
        Assert.True(spans == 2, $"{spans} spans; agent log:\n{app.AgentLog()}");
    }

    private static string ConsoleAppDll => Path.Combine(TestPaths.App("ConsoleApp", "net10.0"), "ConsoleApp.dll");
}
