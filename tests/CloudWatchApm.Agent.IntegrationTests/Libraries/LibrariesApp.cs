// Starts tests/apps/LibrariesApp under the agent (through instrument.sh, as a user would)
// against the shared test servers and a mock collector, with short export intervals.
using CloudWatchApm.Agent.IntegrationTests.Collector;
using CloudWatchApm.Agent.IntegrationTests.Infrastructure;
using CloudWatchApm.Agent.IntegrationTests.Services;

namespace CloudWatchApm.Agent.IntegrationTests.Libraries;

internal static class LibrariesApp
{
    internal static readonly TimeSpan Ready = TimeSpan.FromSeconds(60);
    internal static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    internal static Dictionary<string, string?> Environment(MockCollector collector, ServicesFixture services, string service)
    {
        var env = new Dictionary<string, string?>(services.AppEnvironment())
        {
            ["OTEL_SERVICE_NAME"] = service,
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = collector.GrpcEndpoint,
            ["OTEL_BSP_SCHEDULE_DELAY"] = "200",
            ["OTEL_BLRP_SCHEDULE_DELAY"] = "200",
            ["OTEL_METRIC_EXPORT_INTERVAL"] = "1000",
            ["OTEL_LOG_LEVEL"] = "debug",
            ["GRPC_PORT"] = AppProcess.FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["SQLSERVER_CONNECTION"] = $"Server=127.0.0.1,{AppProcess.FreePort()};Database=inventory;User ID=sa;Password=not-a-secret;Encrypt=false;Connect Timeout=2",
        };
        return env;
    }

    internal static async Task<AppProcess> StartAsync(MockCollector collector, ServicesFixture services, string service, IDictionary<string, string?>? extra = null)
    {
        TestPaths.RequireAgentHome();
        var env = Environment(collector, services, service);
        foreach (var (key, value) in extra ?? new Dictionary<string, string?>())
        {
            env[key] = value;
        }

        var app = AppProcess.StartApp(TestPaths.App("LibrariesApp", "net10.0"), "LibrariesApp", env);
        try
        {
            await app.WaitUntilReadyAsync(Ready);
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }

        return app;
    }

    /// <summary>GET /work and the trace id of its server span, once every span of that trace that the test waits for is in.</summary>
    internal static async Task<string> WorkAsync(AppProcess app)
    {
        using var response = await app.SendAsync(new HttpRequestMessage(HttpMethod.Get, new Uri(app.BaseAddress, "/work?name=widget")));
        var body = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"/work answered {(int)response.StatusCode}: {body}\nstdout:\n{app.StandardOutput}\nstderr:\n{app.StandardError}");
        }

        return body;
    }
}
