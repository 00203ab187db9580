// The zero-code promise: unmodified apps on .NET 8, 9 and 10, started through instrument.sh,
// export their traces; and every way the agent cannot work leaves the app untouched.
using System.Text.RegularExpressions;
using CloudWatchApm.Agent.IntegrationTests.Collector;
using CloudWatchApm.Agent.IntegrationTests.Infrastructure;
using CloudWatchApm.Agent.IntegrationTests.Services;
using Xunit;

namespace CloudWatchApm.Agent.IntegrationTests.ZeroCode;

public sealed class ZeroCodeTests
{
    private static readonly TimeSpan Ready = TimeSpan.FromSeconds(30);

    public ZeroCodeTests() => TestPaths.RequireAgentHome();

    [Theory]
    [InlineData("net10.0", false)]
    [InlineData("net10.0-sc", false)]
    [InlineData("net8.0", true)]
    [InlineData("net9.0", true)]
    public async Task WebApp_UnderAgent_ExportsServerAndClientSpansInOneTrace(string variant, bool privateRuntime)
    {
        await using var collector = await MockCollector.StartAsync();
        var dotnet = privateRuntime ? Path.Combine(TestPaths.RuntimesRoot, "dotnet") : null;
        await using var app = AppProcess.StartApp(TestPaths.App("WebApp", variant), "WebApp", Env(collector, "web-" + variant), dotnet);
        await app.WaitUntilReadyAsync(Ready);

        var runtime = await app.GetAsync("/runtime");
        Assert.Contains(variant.StartsWith("net8", StringComparison.Ordinal) ? "\"runtime\":\"8.0" : variant.StartsWith("net9", StringComparison.Ordinal) ? "\"runtime\":\"9.0" : "\"runtime\":\"10.0", runtime, StringComparison.Ordinal);
        Assert.Equal("{\"id\":\"42\"}", await app.GetAsync("/call"));

        var spans = await Traces.AssertCallTraceAsync(collector, "web-" + variant);
        Traces.AssertNoDuplicates(spans);
        var log = app.AgentLog();
        Assert.Contains("loading path:", log, StringComparison.Ordinal);

        // At debug level the log says what start-up cost: the app's wait, the JIT so far and each stage's share of it.
        // Loading OpenTelemetry is the background build's work: nothing before Main pulls it in.
        var handBack = Assert.Single(log.Split('\n'), l => l.Contains("returned to the application after", StringComparison.Ordinal)).TrimEnd();
        Assert.True(Regex.IsMatch(handBack, @"returned to the application after [\d.]+ ms \(.*\); OpenTelemetry not loaded yet$"), handBack);
        Assert.Matches(@"providers ready \d+ ms after the process started; the runtime had JIT-compiled [1-9]\d* methods in \d+ ms by then", log);
        Assert.Matches(@"stage 'traces' took [\d.]+ ms, of which JIT [\d.]+ ms \([1-9]\d* methods\)", log);

        // The first request (GET /health) ends before the log exporter is built: its records are
        // kept, copied as they are written (ASP.NET Core's request records and scope read the
        // request, which is gone by then), and arrive whole, with the request's scope.
        var starting = (await collector.WaitForLogsAsync(l => l.Any(IsHealthRequestStarting), Traces.Wait)).First(IsHealthRequestStarting);
        Assert.Equal("Microsoft.AspNetCore.Hosting.Diagnostics", starting.ScopeName);
        Assert.Equal("/health", starting.Attributes.GetValueOrDefault("RequestPath"));
        Assert.Equal("GET", starting.Attributes.GetValueOrDefault("Method"));
        Assert.DoesNotContain("could not be passed on", app.AgentLog(), StringComparison.Ordinal);

        Assert.True(await app.StopAsync(TimeSpan.FromSeconds(20)), "the app did not stop on SIGTERM");
        Assert.Equal(string.Empty, app.StandardError.Trim());
    }

    private static bool IsHealthRequestStarting(ReceivedLog log)
        => log.Body is string body && body.StartsWith("Request starting", StringComparison.Ordinal) && log.Attributes.GetValueOrDefault("Path") as string == "/health";

    [Fact]
    public async Task WebApp_FirstRequestBeforeProvidersAreBuilt_WaitsForThemAndIsTraced()
    {
        // The scenario needs the first request to arrive while the providers are still being
        // built (about 1 s after start). A cold machine can start the app later than that; the
        // request is then traced without waiting and the scenario proves nothing about the
        // gate, so it runs again, at most three times in all.
        await InThreeStartsAsync(FirstRequestIsTracedAsync, "early", "the first request never arrived before the agent's providers were built");
    }

    /// <summary>Runs a timing-dependent scenario until it happened (true), at most three times.</summary>
    private static async Task InThreeStartsAsync(Func<string, Task<bool>> scenario, string service, string never)
    {
        for (var attempt = 1; attempt <= 3; attempt++)
        {
            if (await scenario(service + "-" + attempt))
            {
                return;
            }
        }

        Assert.Fail("in three starts " + never);
    }

    /// <summary>Starts the web app with its providers held ~1 s; true when the first request had to wait.</summary>
    private static async Task<bool> FirstRequestIsTracedAsync(string service)
    {
        // An ECS metadata endpoint that accepts and never answers holds the agent's background
        // start in resource detection (its 1 s timeout), while the app is already listening: its
        // logging does not wait for the agent (see DeferredLoggerProvider).
        await using var metadata = new SilentEndpoint();
        await using var collector = await MockCollector.StartAsync();
        var env = Env(collector, service);
        env["ECS_CONTAINER_METADATA_URI_V4"] = metadata.Url + "/v4/early";
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        await using var app = AppProcess.StartApp(TestPaths.App("WebApp", "net10.0"), "WebApp", env);

        // The first request that gets an answer is the first the app served: refused
        // connections never reach it.
        var answered = 0;
        var deadline = DateTime.UtcNow + Ready;
        while (answered == 0 && DateTime.UtcNow < deadline && !app.HasExited)
        {
            try
            {
                using var response = await client.GetAsync(new Uri(app.BaseAddress, "/health"));
                Assert.True(response.IsSuccessStatusCode, "first /health answered " + (int)response.StatusCode);
                answered++;
            }
            catch (HttpRequestException)
            {
                await Task.Delay(20);
            }
        }

        Assert.Equal(1, answered);
        var first = await collector.WaitForSpanAsync(s => s.Name == "GET /health", Traces.Wait);
        Assert.Equal(OtlpSpanKind.Server, first.Kind);
        Assert.Equal("/health", first.Attributes["http.route"]);
        Assert.True(await app.StopAsync(TimeSpan.FromSeconds(20)), "the app did not stop on SIGTERM");

        Assert.Single(collector.Spans, s => s.Name == "GET /health");
        Assert.True(app.StandardError.Trim().Length == 0, "stderr: " + app.StandardError);
        var log = app.AgentLog();
        Assert.DoesNotContain("the host waited", log, StringComparison.Ordinal);
        var waited = System.Text.RegularExpressions.Regex.IsMatch(log, @"the first request waited \d+ ms for the agent's providers");
        if (waited)
        {
            // The host's start-up records were written while the providers were held: kept, then
            // exported with the time they were written, before the first request's span began.
            var listening = Assert.Single(await collector.WaitForLogsAsync(l => l.Any(IsListening), Traces.Wait), IsListening);
            Assert.Equal("Microsoft.Hosting.Lifetime", listening.ScopeName);
            Assert.True(listening.TimeUnixNano < first.StartTimeUnixNano, $"'Now listening on' at {listening.TimeUnixNano}, the first span began at {first.StartTimeUnixNano}");
            Assert.True(System.Text.RegularExpressions.Regex.IsMatch(log, @"\d+ log record\(s\) written before the log exporter was ready were passed on to it"), "agent log:\n" + log);
        }

        return waited;
    }

    [Fact]
    public async Task WebAppStoppedBeforeItsFirstRequest_StillExportsItsStartupLogRecords()
    {
        // An ASP.NET Core app's log exporter is built after its first request; the records
        // written before are kept. An app stopped before any request must still export them.
        // The scenario needs the stop to come before the 2 s fallback start: a slow machine can
        // miss that, so it runs again, at most three times in all.
        await InThreeStartsAsync(StoppedBeforeFirstRequestAsync, "stopped", "the app never stopped before the log exporter's fallback start");
    }

    /// <summary>Starts the web app, stops it as soon as it listens (no request); true when the stop started the log export.</summary>
    private static async Task<bool> StoppedBeforeFirstRequestAsync(string service)
    {
        await using var collector = await MockCollector.StartAsync();
        await using var app = AppProcess.StartApp(TestPaths.App("WebApp", "net10.0"), "WebApp", Env(collector, service));

        // Listening, without sending a request: a connection that sends nothing is not one.
        await ServerProcess.WaitForPortAsync(app.BaseAddress.Port, Ready, () => app.HasExited, () => app.StandardOutput + app.StandardError + app.AgentLog());
        Assert.True(await app.StopAsync(TimeSpan.FromSeconds(20)), "the app did not stop on SIGTERM");

        var log = app.AgentLog();
        if (!log.Contains("log export starting as the application stops", StringComparison.Ordinal)
            && !log.Contains("log export starting at shutdown", StringComparison.Ordinal))
        {
            Assert.Contains("log export starting no request had ended", log, StringComparison.Ordinal);
            return false;
        }

        var records = await collector.WaitForLogsAsync(l => l.Any(IsListening), Traces.Wait);
        Assert.Equal("Microsoft.Hosting.Lifetime", Assert.Single(records, IsListening).ScopeName);
        Assert.Empty(collector.Spans);
        Assert.DoesNotContain("were dropped", log, StringComparison.Ordinal);
        return true;
    }

    private static bool IsListening(ReceivedLog log) => log.Body is string body && body.StartsWith("Now listening on", StringComparison.Ordinal);

    [Fact]
    public async Task SelfContainedNet8App_UnderAgent_RunsUntouchedAndSaysWhyInOneLine()
    {
        await using var collector = await MockCollector.StartAsync();
        await using var app = AppProcess.StartApp(TestPaths.App("WebApp", "net8.0-sc"), "WebApp", Env(collector, "sc8"));
        await app.WaitUntilReadyAsync(Ready);
        Assert.Equal("{\"id\":\"42\"}", await app.GetAsync("/call"));
        Assert.True(await app.StopAsync(TimeSpan.FromSeconds(20)));

        var stderr = app.StandardError.Trim().Split('\n');
        var line = Assert.Single(stderr);
        Assert.Contains("self-contained .NET 8", line, StringComparison.Ordinal);
        Assert.Contains("What to do:", line, StringComparison.Ordinal);
        Assert.Contains("self-contained .NET 8", app.AgentLog(), StringComparison.Ordinal);
        await Task.Delay(500);
        Assert.Empty(collector.Spans);
    }

    [Theory]
    [InlineData("ConsoleApp", "net10.0")]
    [InlineData("ConsoleApp", "net8.0")]
    [InlineData("WorkerApp", "net10.0")]
    public async Task ShortLivedApp_ExitsRightAfterCalls_LastSpansStillArrive(string appName, string variant)
    {
        await using var collector = await MockCollector.StartAsync();
        var env = Env(collector, appName.ToLowerInvariant());
        env["TARGET_URL"] = collector.HttpEndpoint + "/anything";
        env["CALL_COUNT"] = "3";
        var dotnet = variant == "net8.0" ? Path.Combine(TestPaths.RuntimesRoot, "dotnet") : null;
        await using var app = AppProcess.StartApp(TestPaths.App(appName, variant), appName, env, dotnet);
        Assert.True(await app.WaitForExitAsync(TimeSpan.FromSeconds(60)), "the app did not exit");
        Assert.Equal(0, app.ExitCode);

        // The batch delay is 5 s: these spans can only be here because shutdown flushed them.
        var spans = collector.Spans.Where(s => s.Kind == OtlpSpanKind.Client).ToList();
        Assert.Equal(3, spans.Count);
        Assert.All(spans, s => Assert.Equal(appName.ToLowerInvariant(), s.ResourceAttributes["service.name"]));
    }

    [Fact]
    public async Task ExportQueueFull_DroppedSpansAreCountedInTheAgentLog()
    {
        // A collector that accepts connections and never answers: the first batch hangs in
        // export and the small queue behind it overflows.
        await using var blackHole = new SilentEndpoint();

        var env = new Dictionary<string, string?>
        {
            ["OTEL_SERVICE_NAME"] = "drops",
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = blackHole.Url,
            ["OTEL_EXPORTER_OTLP_TIMEOUT"] = "1000",
            ["OTEL_BSP_MAX_QUEUE_SIZE"] = "20",
            ["OTEL_BSP_MAX_EXPORT_BATCH_SIZE"] = "10",
            ["OTEL_METRICS_EXPORTER"] = "none",
            ["OTEL_LOGS_EXPORTER"] = "none",
            ["CALL_COUNT"] = "200",
        };
        await using var app = AppProcess.StartApp(TestPaths.App("ConsoleApp", "net10.0"), "ConsoleApp", env);
        Assert.True(await app.WaitForExitAsync(TimeSpan.FromSeconds(60)), "the app did not exit");
        Assert.Equal(0, app.ExitCode);

        var log = app.AgentLog();
        Assert.Contains("span(s) were dropped because the export queue was full", log, StringComparison.Ordinal);
        var summary = Assert.Single(log.Split('\n'), l => l.Contains("shut down on", StringComparison.Ordinal));
        var dropped = System.Text.RegularExpressions.Regex.Match(summary, @"export queue was full: (\d+) span\(s\)");
        Assert.True(dropped.Success, summary);
        Assert.InRange(int.Parse(dropped.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), 100, 200);
    }

    [Theory]
    [InlineData("otel1.20")]
    [InlineData("otel1.15")]
    public async Task AppWithItsOwnSdk_UnderAgent_NoCrashNoDuplicates(string variant)
    {
        await using var collector = await MockCollector.StartAsync();
        await using var app = AppProcess.StartApp(TestPaths.App("SelfInstrumentedApp", variant), "SelfInstrumentedApp", Env(collector, "self"));
        await app.WaitUntilReadyAsync(Ready);
        Assert.Equal("{\"id\":\"7\"}", await app.GetAsync("/users/7"));
        var spans = await collector.WaitForSpansAsync(s => s.Any(x => x.Name == "GET /users/{id}"), Traces.Wait);
        Assert.True(await app.StopAsync(TimeSpan.FromSeconds(20)));

        spans = collector.Spans;
        Assert.Single(spans, s => s.Name == "GET /users/{id}");
        Traces.AssertNoDuplicates(spans);
        Assert.Contains("ships the OpenTelemetry SDK itself", app.AgentLog(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task HookListedTwiceAndScriptSourcedTwice_OneAgentOneCopyOfEachSpan()
    {
        await using var collector = await MockCollector.StartAsync();
        var home = TestPaths.AgentHome;
        var script = $". '{home}/instrument.sh'; . '{home}/instrument.sh'; export DOTNET_STARTUP_HOOKS=\"$DOTNET_STARTUP_HOOKS:$DOTNET_STARTUP_HOOKS\"; " +
            $"case \"$DOTNET_STARTUP_HOOKS\" in *:*) ;; *) echo 'expected two entries' >&2; exit 3;; esac; exec '{TestPaths.SystemDotnet}' '{TestPaths.App("WebApp", "net10.0")}/WebApp.dll'";
        await using var app = AppProcess.Start("/bin/bash", ["-c", script], Env(collector, "twice"), instrument: false);
        await app.WaitUntilReadyAsync(Ready);
        await app.GetAsync("/call");
        var spans = await Traces.AssertCallTraceAsync(collector, "twice");
        Assert.True(await app.StopAsync(TimeSpan.FromSeconds(20)));
        Traces.AssertNoDuplicates(collector.Spans);
        Assert.Single(app.AgentLog().Split('\n'), l => l.Contains("cwapm agent", StringComparison.Ordinal) && l.Contains("started in", StringComparison.Ordinal));
        Assert.NotEmpty(spans);
    }

    [Theory]
    [InlineData("missing")]
    [InlineData("unreadable")]
    public async Task BrokenAgentHome_AppRunsUntouchedWithOneClearLine(string damage)
    {
        await using var collector = await MockCollector.StartAsync();
        var home = CopyHome();
        try
        {
            if (damage == "missing")
            {
                File.Delete(Path.Combine(home, "agent", "net10.0", "OpenTelemetry.dll"));
            }
            else
            {
                // Root reads any file, so make the agent assembly something that cannot be read.
                var dll = Path.Combine(home, "agent", "net10.0", "CloudWatchApm.Agent.dll");
                File.Delete(dll);
                Directory.CreateDirectory(dll);
            }

            var env = Env(collector, "broken");
            env["DOTNET_STARTUP_HOOKS"] = Path.Combine(home, "hook", "CloudWatchApm.Agent.StartupHook.dll");
            await using var app = AppProcess.StartApp(TestPaths.App("WebApp", "net10.0"), "WebApp", env, instrument: false);
            await app.WaitUntilReadyAsync(Ready);
            Assert.Equal("{\"id\":\"42\"}", await app.GetAsync("/call"));
            Assert.True(await app.StopAsync(TimeSpan.FromSeconds(20)));
            var log = app.AgentLog();
            Assert.Contains(damage == "missing" ? "is incomplete" : "cannot be read", log, StringComparison.Ordinal);
            Assert.Single(log.Split('\n'), l => l.Contains("the agent is not active", StringComparison.Ordinal));
            Assert.Empty(collector.Spans);
        }
        finally
        {
            Directory.Delete(home, recursive: true);
        }
    }

    [Theory]
    [InlineData("closed-port")]
    [InlineData("garbage")]
    public async Task CollectorUnreachable_AppServesAndExitsPromptly(string endpoint)
    {
        var env = new Dictionary<string, string?>
        {
            ["OTEL_SERVICE_NAME"] = "nocollector",
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = endpoint == "garbage" ? "::not a url::" : $"http://127.0.0.1:{AppProcess.FreePort()}",
            ["OTEL_BSP_SCHEDULE_DELAY"] = "200",
            ["OTEL_METRIC_EXPORT_INTERVAL"] = "500",
        };
        await using var app = AppProcess.StartApp(TestPaths.App("WebApp", "net10.0"), "WebApp", env);
        await app.WaitUntilReadyAsync(Ready);
        for (var i = 0; i < 20; i++)
        {
            Assert.Equal("{\"id\":\"42\"}", await app.GetAsync("/call"));
        }

        var started = DateTime.UtcNow;
        Assert.True(await app.StopAsync(TimeSpan.FromSeconds(30)), "the app did not exit after SIGTERM");
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(15), "shutdown took " + (DateTime.UtcNow - started));
        if (endpoint == "garbage")
        {
            Assert.Contains("OTEL_EXPORTER_OTLP_ENDPOINT='::not a url::' is not valid", app.AgentLog(), StringComparison.Ordinal);
        }
        else
        {
            // Nothing could be delivered: the shutdown line says so in so many words.
            var summary = Assert.Single(app.AgentLog().Split('\n'), l => l.Contains("shut down on", StringComparison.Ordinal));
            Assert.Matches(@"the OTLP exporter reported [1-9]\d* failed or retried export\(s\)", summary);
        }
    }

    [Theory]
    [InlineData("--info")]
    [InlineData("build")]
    [InlineData("test")]
    public async Task SdkCommands_WithHookExportedGlobally_AgentStaysOut(string command)
    {
        await using var collector = await MockCollector.StartAsync();
        var project = CreateProject(command == "test");
        try
        {
            var args = command == "--info" ? new[] { "--info" } : [command, project, "-nologo", "-v:q"];
            await using var sdk = AppProcess.Start(TestPaths.SystemDotnet, args, Env(collector, "sdk"), instrument: true);
            Assert.True(await sdk.WaitForExitAsync(TimeSpan.FromMinutes(4)), "dotnet " + command + " did not finish");
            Assert.True(sdk.ExitCode == 0, $"dotnet {command} failed:\n{sdk.StandardOutput}\n{sdk.StandardError}");
            Assert.Equal(string.Empty, sdk.StandardError.Trim());
            Assert.Equal(string.Empty, sdk.AgentLog());
            await Task.Delay(500);
            Assert.Empty(collector.Spans);
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(project)!, recursive: true);
        }
    }

    internal static Dictionary<string, string?> Env(MockCollector collector, string service) => new()
    {
        ["OTEL_SERVICE_NAME"] = service,
        ["OTEL_EXPORTER_OTLP_ENDPOINT"] = collector.GrpcEndpoint,
        ["OTEL_METRIC_EXPORT_INTERVAL"] = "1000",
        ["OTEL_BSP_SCHEDULE_DELAY"] = "5000",
        ["OTEL_LOG_LEVEL"] = "debug",
    };

    private static string CopyHome()
    {
        var target = Path.Combine(Path.GetTempPath(), "cwapm-home-" + Guid.NewGuid().ToString("N"));
        foreach (var file in Directory.GetFiles(TestPaths.AgentHome, "*", SearchOption.AllDirectories))
        {
            var dest = Path.Combine(target, Path.GetRelativePath(TestPaths.AgentHome, file));
            Directory.CreateDirectory(Path.GetDirectoryName(dest)!);
            File.Copy(file, dest);
        }

        return target;
    }

    /// <summary>A tiny project (an xunit one for `dotnet test`) in a temp folder, restored from the local cache.</summary>
    private static string CreateProject(bool tests)
    {
        var dir = Path.Combine(Path.GetTempPath(), "cwapm-sdk-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "Directory.Build.props"), "<Project />");
        File.WriteAllText(Path.Combine(dir, "Directory.Packages.props"), "<Project><PropertyGroup><ManagePackageVersionsCentrally>false</ManagePackageVersionsCentrally></PropertyGroup></Project>");
        var path = Path.Combine(dir, "Probe.csproj");
        File.WriteAllText(path, tests
            ? """
              <Project Sdk="Microsoft.NET.Sdk">
                <PropertyGroup><TargetFramework>net10.0</TargetFramework><IsTestProject>true</IsTestProject></PropertyGroup>
                <ItemGroup>
                  <PackageReference Include="Microsoft.NET.Test.Sdk" Version="18.0.1" />
                  <PackageReference Include="xunit" Version="2.9.3" />
                  <PackageReference Include="xunit.runner.visualstudio" Version="3.1.5" />
                </ItemGroup>
              </Project>
              """
            : """
              <Project Sdk="Microsoft.NET.Sdk">
                <PropertyGroup><TargetFramework>net10.0</TargetFramework><OutputType>Exe</OutputType></PropertyGroup>
              </Project>
              """);
        File.WriteAllText(Path.Combine(dir, "Probe.cs"), tests
            ? "public class ProbeTests { [Xunit.Fact] public void Passes() => Xunit.Assert.True(true); }"
            : "System.Console.WriteLine(\"probe\");");
        return path;
    }
}
