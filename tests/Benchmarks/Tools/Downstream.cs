// `downstream`: the HTTP service the bench app calls on each request (its "HttpClient call"),
// in a process of its own so the measured process only pays for being the client.
using System.Globalization;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace CloudWatchApm.Agent.Benchmarks.Harness;

internal static class Downstream
{
    internal static async Task<int> RunAsync(Options options)
    {
        var port = options.Int("port", 5300);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, port));
        await using var app = builder.Build();
        app.MapGet("/prices/{id:int}", (int id) => Results.Text(
            string.Create(CultureInfo.InvariantCulture, $"{{\"id\":{id},\"currency\":\"EUR\",\"amount\":{(id % 97) + 0.99}}}"),
            "application/json"));
        await app.StartAsync();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"downstream: http://127.0.0.1:{port}/prices/{{id}}"));
        await app.WaitForShutdownAsync();
        return 0;
    }
}
