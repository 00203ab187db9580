// Test application: a hosted BackgroundService that calls TARGET_URL CALL_COUNT times,
// logs through ILogger, then stops the host.
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

var builder = Host.CreateApplicationBuilder(args);
builder.Services.AddHostedService<Worker>();
using var host = builder.Build();
await host.RunAsync();

internal sealed partial class Worker(IHostApplicationLifetime lifetime, ILogger<Worker> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var target = new Uri(Environment.GetEnvironmentVariable("TARGET_URL") ?? "http://127.0.0.1:1/");
        var count = int.Parse(Environment.GetEnvironmentVariable("CALL_COUNT") ?? "3", CultureInfo.InvariantCulture);
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        for (var i = 0; i < count && !stoppingToken.IsCancellationRequested; i++)
        {
            try
            {
                using var response = await client.GetAsync(target, stoppingToken);
                LogCall(logger, i, (int)response.StatusCode);
            }
            catch (HttpRequestException ex)
            {
                LogFailure(logger, i, ex.Message);
            }
        }

        lifetime.StopApplication();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "worker call {Index} returned {Status}")]
    private static partial void LogCall(ILogger logger, int index, int status);

    [LoggerMessage(Level = LogLevel.Warning, Message = "worker call {Index} failed: {Reason}")]
    private static partial void LogFailure(ILogger logger, int index, string reason);
}
