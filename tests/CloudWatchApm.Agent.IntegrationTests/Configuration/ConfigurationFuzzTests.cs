// A typo must never take a service down. Each process start gets random garbage in every
// variable of the agent's keys class (names read from the built agent assembly, so a new key
// is fuzzed without touching this file), and the app must answer its requests and stop
// cleanly. The seed is printed on failure so a run can be replayed. Fail-fast is the one
// sanctioned exception: opted into, the same problems stop the app with the whole list.
using System.Globalization;
using System.Reflection;
using System.Runtime.Loader;
using CloudWatchApm.Agent.IntegrationTests.Collector;
using CloudWatchApm.Agent.IntegrationTests.Infrastructure;
using CloudWatchApm.Agent.Testing;
using Xunit;
using Xunit.Abstractions;

namespace CloudWatchApm.Agent.IntegrationTests.Configuration;

public sealed class ConfigurationFuzzTests(ITestOutputHelper output)
{
    private const int ProcessStarts = 12;

    /// <summary>Variables whose garbage would stop any .NET app in the host, before the agent runs, or switch off the app on purpose.</summary>
    private static readonly HashSet<string> NotFuzzed = new(StringComparer.Ordinal)
    {
        "DOTNET_STARTUP_HOOKS", "DOTNET_ADDITIONAL_DEPS", "DOTNET_SHARED_STORE",
        "OTEL_DOTNET_AUTO_FAIL_FAST_ENABLED", "OTEL_DOTNET_AUTO_EXCLUDE_PROCESSES",
    };

    [Fact]
    public async Task RandomGarbageInEveryVariable_AppAlwaysServesAndStops()
    {
        TestPaths.RequireAgentHome();
        await using var collector = await MockCollector.StartAsync();
        var keys = AgentKeys();
        Assert.True(keys.Count > 80, "expected every key of ConfigurationKeys, found " + keys.Count);
        var seed = Environment.GetEnvironmentVariable("CWAPM_FUZZ_SEED") is { Length: > 0 } s ? int.Parse(s, CultureInfo.InvariantCulture) : Random.Shared.Next();
        output.WriteLine($"seed {seed} (replay with CWAPM_FUZZ_SEED={seed}); {keys.Count} keys");
        var random = new Random(seed);

        for (var run = 0; run < ProcessStarts; run++)
        {
            var env = new Dictionary<string, string?>();
            foreach (var key in keys)
            {
                // Mostly garbage, sometimes valid, sometimes unset: every start a different mix.
                env[key] = random.Next(10) switch
                {
                    0 => null,
                    1 => ValidLooking(key, random, collector),
                    _ => ConfigurationGarbage.Value(random),
                };
            }

            // The harness reads the agent log from here; garbage there is covered by the unit fuzz.
            env.Remove("OTEL_DOTNET_AUTO_LOG_DIRECTORY");

            await using var app = AppProcess.StartApp(TestPaths.App("WebApp", "net10.0"), "WebApp", env);
            var context = $"seed {seed}, start {run}:\n" + string.Join("\n", env.Where(e => e.Value is not null).Select(e => e.Key + "=" + Shorten(e.Value!)));
            try
            {
                await app.WaitUntilReadyAsync(ConfigApps.Ready);
                Assert.Equal("{\"id\":\"42\"}", await app.GetAsync("/call"));
                Assert.Equal("custom", await app.GetAsync("/custom"));
                using (var error = await app.SendAsync(new HttpRequestMessage(HttpMethod.Get, new Uri(app.BaseAddress, "/error"))))
                {
                    Assert.Equal(500, (int)error.StatusCode);
                }

                Assert.True(await app.StopAsync(ConfigApps.Stop), "the app did not stop on SIGTERM");
                Assert.DoesNotContain("Unhandled exception", app.StandardError, StringComparison.Ordinal);
            }
            catch (Exception ex)
            {
                throw new Xunit.Sdk.XunitException(context + "\n" + ex.Message + "\nstderr:\n" + app.StandardError + "\nagent log:\n" + app.AgentLog());
            }
        }
    }

    [Fact]
    public async Task HugeLogQueueSize_AppServes()
    {
        TestPaths.RequireAgentHome();
        var env = ConfigApps.Env("huge-log-queue");
        env["OTEL_BLRP_MAX_QUEUE_SIZE"] = "2147483647";
        await using var app = await ConfigApps.StartWebAppAsync(env);
        Assert.Equal("{\"id\":\"1\"}", await app.GetAsync("/users/1"));
        Assert.True(await app.StopAsync(ConfigApps.Stop));
    }

    [Fact]
    public async Task FailFast_InvalidValues_AppStopsWithEveryProblemListed()
    {
        TestPaths.RequireAgentHome();
        var env = ConfigApps.Env("failfast");
        env["OTEL_DOTNET_AUTO_FAIL_FAST_ENABLED"] = "true";
        env["OTEL_TRACES_SAMPLER"] = "sometimes";
        env["OTEL_BSP_MAX_QUEUE_SIZE"] = "-5";
        env["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/json";
        await using var app = AppProcess.StartApp(TestPaths.App("WebApp", "net10.0"), "WebApp", env);

        Assert.True(await app.WaitForExitAsync(ConfigApps.Ready), "the app kept running although fail-fast is on");
        Assert.NotEqual(0, app.ExitCode);
        var stderr = app.StandardError;
        Assert.Contains("OTEL_DOTNET_AUTO_FAIL_FAST_ENABLED=true", stderr, StringComparison.Ordinal);
        Assert.Contains("OTEL_TRACES_SAMPLER='sometimes'", stderr, StringComparison.Ordinal);
        Assert.Contains("OTEL_BSP_MAX_QUEUE_SIZE='-5'", stderr, StringComparison.Ordinal);
        Assert.Contains("OTEL_EXPORTER_OTLP_PROTOCOL='http/json'", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FailFastOff_SameInvalidValues_AppServesAndLogsEveryProblemOnce()
    {
        TestPaths.RequireAgentHome();
        await using var collector = await MockCollector.StartAsync();
        var env = ConfigApps.Env(collector, "no-failfast");
        env["OTEL_TRACES_SAMPLER"] = "sometimes";
        env["OTEL_BSP_MAX_QUEUE_SIZE"] = "-5";
        env["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/json";
        await using var app = await ConfigApps.StartWebAppAsync(env);
        await app.GetAsync("/users/1");
        await collector.WaitForSpanAsync(s => s.Name == "GET /users/{id}", ConfigApps.Wait);
        Assert.True(await app.StopAsync(ConfigApps.Stop));

        var warnings = app.AgentLog().Split('\n').Where(l => l.Contains("configuration: ", StringComparison.Ordinal)).ToList();
        Assert.Equal(3, warnings.Count);
        Assert.Contains(warnings, w => w.Contains("OTEL_TRACES_SAMPLER='sometimes'", StringComparison.Ordinal));
        Assert.Contains(warnings, w => w.Contains("OTEL_BSP_MAX_QUEUE_SIZE='-5'", StringComparison.Ordinal));
        Assert.Contains(warnings, w => w.Contains("OTEL_EXPORTER_OTLP_PROTOCOL='http/json'", StringComparison.Ordinal));
    }

    /// <summary>Every variable name the agent reads: the constants of ConfigurationKeys plus the per-signal, per-instrumentation and per-detector forms.</summary>
    internal static List<string> AgentKeys()
    {
        var context = new AssemblyLoadContext("cwapm-keys", isCollectible: true);
        try
        {
            // agent/ holds the assembly directly or per target framework (agent/net8.0/...); any copy has the keys.
            var path = Directory.GetFiles(Path.Combine(TestPaths.AgentHome, "agent"), "CloudWatchApm.Agent.dll", SearchOption.AllDirectories).Order(StringComparer.Ordinal).First();
            var assembly = context.LoadFromAssemblyPath(path);
            var type = assembly.GetType("CloudWatchApm.Agent.Shared.ConfigurationKeys", throwOnError: true)!;
            const BindingFlags flags = BindingFlags.Static | BindingFlags.NonPublic | BindingFlags.Public;
            var keys = type.GetFields(flags)
                .Where(f => f.IsLiteral && f.FieldType == typeof(string))
                .Select(f => (string)f.GetRawConstantValue()!)
                .Where(k => !k.EndsWith('_'))
                .ToList();
            string[] Array(string name) => (string[])type.GetField(name, flags)!.GetValue(null)!;
            foreach (var signal in Array("Signals"))
            {
                keys.AddRange(Array("OtlpSettings").Select(setting => $"OTEL_EXPORTER_OTLP_{signal}_{setting}"));
                keys.AddRange(new[] { "ASPNETCORE", "HTTPCLIENT", "NETRUNTIME", "PROCESS", "ILOGGER", "NPGSQL" }.Select(id => $"OTEL_DOTNET_AUTO_{signal}_{id}_INSTRUMENTATION_ENABLED"));
            }

            keys.AddRange(Array("ResourceDetectors").Select(id => $"OTEL_DOTNET_AUTO_{id}_RESOURCE_DETECTOR_ENABLED"));
            return keys.Where(k => !NotFuzzed.Contains(k)).Distinct().Order(StringComparer.Ordinal).ToList();
        }
        finally
        {
            context.Unload();
        }
    }

    /// <summary>A value of the right shape for the key, so that valid settings mix with garbage.</summary>
    private static string ValidLooking(string key, Random random, MockCollector collector)
    {
        string[] choices = key switch
        {
            _ when key.EndsWith("_ENDPOINT", StringComparison.Ordinal) => [collector.GrpcEndpoint, collector.HttpEndpoint, collector.HttpEndpoint + "/v1/traces"],
            _ when key.EndsWith("_PROTOCOL", StringComparison.Ordinal) => ["grpc", "http/protobuf", "HTTP/PROTOBUF"],
            _ when key.EndsWith("_EXPORTER", StringComparison.Ordinal) => ["otlp", "console", "none", "otlp,console"],
            _ when key.EndsWith("_ENABLED", StringComparison.Ordinal) || key.EndsWith("_DISABLED", StringComparison.Ordinal) || key.EndsWith("_INSECURE", StringComparison.Ordinal) => ["true", "false", "FALSE"],
            "OTEL_TRACES_SAMPLER" => ["always_on", "always_off", "traceidratio", "parentbased_traceidratio", "xray"],
            "OTEL_PROPAGATORS" => ["b3", "b3multi,tracecontext", "xray,baggage", "none"],
            _ => ["0", "1", "100", "0.5", "delta", "gzip", "debug", "console"],
        };
        return choices[random.Next(choices.Length)];
    }

    private static string Shorten(string value) => value.Length <= 80 ? value : value[..80] + $"... ({value.Length} chars)";
}
