// `cwapm status <pid>` from the outside of a running process: an app started with `cwapm run`
// is recognised as instrumented (hook, service name, the agent loaded from the installed
// home, its loading path); the same app started plainly is not.
using System.Text.RegularExpressions;
using CloudWatchApm.Agent.IntegrationTests.Configuration;
using CloudWatchApm.Agent.IntegrationTests.Infrastructure;
using Xunit;

namespace CloudWatchApm.Agent.IntegrationTests.Cli;

[Collection(InstalledCwapmCollection.Name)]
public sealed class CwapmStatusTests(InstalledCwapm cwapm)
{
    private static string WebAppDll => Path.Combine(TestPaths.App("WebApp", "net10.0"), "WebApp.dll");

    [Fact]
    public async Task Status_AppStartedWithCwapmRun_IsInstrumented()
    {
        // No collector: status must not depend on exports working.
        var env = ConfigApps.Env("status-svc");
        env["OTEL_EXPORTER_OTLP_ENDPOINT"] = $"http://127.0.0.1:{AppProcess.FreePort()}";
        await using var app = AppProcess.Start(cwapm.Cwapm, ["run", "--service-name", "status-svc", "--", "dotnet", WebAppDll], env, instrument: false);
        await app.WaitUntilReadyAsync(ConfigApps.Ready);
        await app.GetAsync("/users/1");

        var result = await InstalledCwapm.RunAsync(cwapm.Cwapm, ["status", app.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)], new Dictionary<string, string?>());

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains($"  startup hook: {cwapm.Home}/hook/CloudWatchApm.Agent.StartupHook.dll", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("  service name: status-svc", result.Stdout, StringComparison.Ordinal);
        Assert.Matches($@"\n  agent: {Regex.Escape(cwapm.Home)}/agent/(net[0-9.]+/)?CloudWatchApm\.Agent\.dll \(home {Regex.Escape(cwapm.Home)}, version ", result.Stdout);
        Assert.Contains("  loading path: resolver", result.Stdout, StringComparison.Ordinal);
        Assert.EndsWith("instrumented\n", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Status_AppStartedPlainly_IsNotInstrumented()
    {
        await using var app = AppProcess.Start(TestPaths.SystemDotnet, [WebAppDll], new Dictionary<string, string?>(), instrument: false);
        await app.WaitUntilReadyAsync(ConfigApps.Ready);

        var result = await InstalledCwapm.RunAsync(cwapm.Cwapm, ["status", app.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)], new Dictionary<string, string?>());

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Contains("  startup hook: not set (DOTNET_STARTUP_HOOKS unset): the process was not started instrumented", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("  agent: not loaded", result.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("\ninstrumented\n", result.Stdout, StringComparison.Ordinal);
    }
}
