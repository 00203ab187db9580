// Benchmark application (build/bench.sh): a small ASP.NET Core service shaped like a real one.
// GET /orders/{id} reads a row from PostgreSQL (BENCH_DB, an Npgsql connection string) and asks
// a downstream HTTP service (DOWNSTREAM_URL) for a price, then answers JSON; with the agent or
// the hand-wired SDK that is one server span, one database span and one HttpClient span.
// GET /health answers at once (readiness). GET /bench/stats reports what the process itself
// counts exactly, whatever else runs on the machine: bytes allocated, GC counts.
// "spans <rate> <seconds>" runs no web server: it creates <rate> spans per second through the
// ActivitySource "BenchApp.Spans" (named in OTEL_DOTNET_AUTO_TRACES_ADDITIONAL_SOURCES) and
// prints how many it created, for the export-capacity run.
using System.Diagnostics;
using System.Globalization;
using Npgsql;
#if HAND_WIRED
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
#endif

if (args.Length >= 1 && args[0] == "spans")
{
    return SpanGenerator.Run(args);
}

// appsettings.json (the template's log levels) is found however the app is started.
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
#if HAND_WIRED
// The setup a team would write by hand for what the agent does by default: traces (ASP.NET
// Core, HttpClient, Npgsql's ActivitySource), metrics (ASP.NET Core, HttpClient, Npgsql's
// Meter, runtime) and logs, all over OTLP; endpoint, protocol, sampler and service name come
// from the standard OTEL_* variables, which the SDK reads itself. The agent's process metrics
// are left out: they are read at export time and cost nothing per request.
builder.Services.AddOpenTelemetry()
    .WithTracing(tracing => tracing
        .AddAspNetCoreInstrumentation()
        .AddHttpClientInstrumentation()
        .AddSource("Npgsql")
        .AddOtlpExporter())
    .WithMetrics(metrics => metrics
        .AddAspNetCoreInstrumentation()
        .AddHttpClientInstrumentation()
        .AddMeter("Npgsql")
        .AddRuntimeInstrumentation()
        .AddOtlpExporter());
builder.Logging.AddOpenTelemetry(logging => logging.AddOtlpExporter());
#endif

var connectionString = Environment.GetEnvironmentVariable("BENCH_DB")
    ?? throw new InvalidOperationException("BENCH_DB (an Npgsql connection string) is not set");
var downstream = new Uri(Environment.GetEnvironmentVariable("DOWNSTREAM_URL") ?? "http://127.0.0.1:5300/");
builder.Services.AddSingleton(NpgsqlDataSource.Create(connectionString));
builder.Services.AddHttpClient("prices", client => client.BaseAddress = downstream);

var app = builder.Build();

app.MapGet("/health", () => "ok");

app.MapGet("/orders/{id:int}", async (int id, NpgsqlDataSource db, IHttpClientFactory clients, CancellationToken cancel) =>
{
    // The reader is disposed once, before the HTTP call: a data source's command hands its
    // connection back to the pool when the reader closes.
    Order? order;
    await using (var command = db.CreateCommand("SELECT id, customer, total FROM orders WHERE id = $1 AND status <> 'deleted' LIMIT 1"))
    {
        command.Parameters.AddWithValue(id);
        await using var reader = await command.ExecuteReaderAsync(cancel);
        order = await reader.ReadAsync(cancel) ? new Order(reader.GetInt32(0), reader.GetString(1), reader.GetDecimal(2), null) : null;
    }

    if (order is null)
    {
        return Results.NotFound();
    }

    var price = await clients.CreateClient("prices").GetStringAsync(new Uri("prices/" + id.ToString(CultureInfo.InvariantCulture), UriKind.Relative), cancel);
    return Results.Ok(order with { Price = price });
});

// ?collect=true (only once measuring is over) adds what stays alive after a full blocking
// collection, next to what the GC has committed: the GC sizes its budget from the machine (the
// cache size), so RSS alone does not say what the app keeps.
app.MapGet("/bench/stats", (bool? collect) =>
{
    var stats = string.Create(
        CultureInfo.InvariantCulture,
        $"allocated={GC.GetTotalAllocatedBytes(precise: false)} gen0={GC.CollectionCount(0)} gen1={GC.CollectionCount(1)} gen2={GC.CollectionCount(2)} heap={GC.GetTotalMemory(forceFullCollection: false)} committed={GC.GetGCMemoryInfo().TotalCommittedBytes} threads={Process.GetCurrentProcess().Threads.Count}");
    if (collect == true)
    {
        stats += string.Create(CultureInfo.InvariantCulture, $" live={GC.GetTotalMemory(forceFullCollection: true)}");
    }

    return Results.Text(stats);
});

app.Run();
return 0;

internal sealed record Order(int Id, string Customer, decimal Total, string? Price);

internal static class SpanGenerator
{
    internal static int Run(string[] args)
    {
        var rate = args.Length > 1 ? double.Parse(args[1], CultureInfo.InvariantCulture) : 10_000;
        var seconds = args.Length > 2 ? double.Parse(args[2], CultureInfo.InvariantCulture) : 10;
        using var source = new ActivitySource("BenchApp.Spans");

        // Under the agent the providers are built in the background: wait until they listen.
        var wait = Stopwatch.StartNew();
        while (!source.HasListeners() && wait.Elapsed < TimeSpan.FromSeconds(30))
        {
            Thread.Sleep(10);
        }

        var listening = source.HasListeners();
        long created = 0;
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed.TotalSeconds < seconds)
        {
            var due = (long)(clock.Elapsed.TotalSeconds * rate);
            while (created < due)
            {
                // A span shaped like an application's own: a name, a kind and a few attributes.
                using (var activity = source.StartActivity("process-item", ActivityKind.Internal))
                {
                    activity?.SetTag("item.id", created);
                    activity?.SetTag("item.kind", "order");
                    activity?.SetTag("item.size", 512);
                }

                created++;
            }

            Thread.Sleep(1);
        }

        var elapsed = clock.Elapsed.TotalSeconds;
        var peakKb = ReadStatus("VmHWM:");
        Console.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"created={created} seconds={elapsed:F2} achieved_rate={created / elapsed:F0} listening={listening} peak_rss_kb={peakKb} allocated={GC.GetTotalAllocatedBytes(precise: false)}"));
        return 0;
    }

    private static long ReadStatus(string key)
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith(key, StringComparison.Ordinal))
            {
                var digits = line[key.Length..].Trim().Split(' ')[0];
                return long.Parse(digits, CultureInfo.InvariantCulture);
            }
        }

        return 0;
    }
}
