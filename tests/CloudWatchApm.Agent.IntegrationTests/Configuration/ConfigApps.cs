// Helpers the configuration and CLI tests share: start the .NET 10 web app under the agent
// with a given environment, fast export timers, and read what the process has mapped.
using CloudWatchApm.Agent.IntegrationTests.Collector;
using CloudWatchApm.Agent.IntegrationTests.Infrastructure;

namespace CloudWatchApm.Agent.IntegrationTests.Configuration;

internal static class ConfigApps
{
    internal static readonly TimeSpan Ready = TimeSpan.FromSeconds(30);
    internal static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);
    internal static readonly TimeSpan Stop = TimeSpan.FromSeconds(20);

    /// <summary>Short timers so data arrives quickly; the test adds its exporter settings.</summary>
    internal static Dictionary<string, string?> Env(string service) => new()
    {
        ["OTEL_SERVICE_NAME"] = service,
        ["OTEL_BSP_SCHEDULE_DELAY"] = "200",
        ["OTEL_METRIC_EXPORT_INTERVAL"] = "500",
        ["OTEL_BLRP_SCHEDULE_DELAY"] = "200",
    };

    /// <summary>Env pointing every signal at the collector's gRPC port.</summary>
    internal static Dictionary<string, string?> Env(MockCollector collector, string service)
    {
        var env = Env(service);
        env["OTEL_EXPORTER_OTLP_ENDPOINT"] = collector.GrpcEndpoint;
        return env;
    }

    /// <summary>Starts WebApp (net10.0) through instrument.sh and waits until it answers /health.</summary>
    internal static async Task<AppProcess> StartWebAppAsync(IDictionary<string, string?> environment)
    {
        var app = AppProcess.StartApp(TestPaths.App("WebApp", "net10.0"), "WebApp", environment);
        try
        {
            await app.WaitUntilReadyAsync(Ready);
            return app;
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }
    }

    /// <summary>The files a running process has mapped (assemblies included), from /proc.</summary>
    internal static string Maps(int pid) => File.ReadAllText($"/proc/{pid}/maps");

    internal static bool IsFrom(this ReceivedSpan span, string service) =>
        span.ResourceAttributes.TryGetValue("service.name", out var name) && name as string == service;

    internal static bool IsFrom(this ReceivedMetric metric, string service) =>
        metric.ResourceAttributes.TryGetValue("service.name", out var name) && name as string == service;
}
