// Test application: an ordinary service that uses the database, cache, messaging, gRPC and HTTP
// libraries real services use, and knows nothing about the agent. GET /work does all of it in
// one request; the RabbitMQ and MassTransit consumers run in the background. Connection
// strings come from PG_CONNECTION, MYSQL_CONNECTION, REDIS_CONNECTION, RABBITMQ_URI and
// SQLSERVER_CONNECTION; the gRPC service listens on GRPC_PORT (HTTP/2 without TLS).
using System.Diagnostics.Metrics;
using System.Net;
using LibrariesApp;
using LibrariesApp.Grpc;
using MassTransit;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Data.SqlClient;
using Microsoft.EntityFrameworkCore;
using MySqlConnector;
using Npgsql;
using StackExchange.Redis;

var builder = WebApplication.CreateBuilder(args);
var settings = AppSettings.FromEnvironment();
builder.WebHost.ConfigureKestrel(kestrel =>
{
    kestrel.Listen(IPAddress.Loopback, settings.HttpPort, o => o.Protocols = HttpProtocols.Http1);
    kestrel.Listen(IPAddress.Loopback, settings.GrpcPort, o => o.Protocols = HttpProtocols.Http2);
});

builder.Services.AddSingleton(settings);
builder.Services.AddHttpClient();
builder.Services.AddGrpc();
builder.Services.AddSingleton(NpgsqlDataSource.Create(settings.Postgres));
builder.Services.AddSingleton(new MySqlDataSource(settings.MySql));
builder.Services.AddDbContext<ShopContext>(o => o.UseNpgsql(settings.Postgres));
builder.Services.AddSingleton<IConnectionMultiplexer>(_ => ConnectionMultiplexer.Connect(settings.Redis));
builder.Services.AddSingleton<RabbitConnection>();
builder.Services.AddHostedService<RabbitConsumer>();
builder.Services.AddSingleton(new WorkMetrics());
builder.Services.AddSingleton(_ => new Greeter.GreeterClient(Grpc.Net.Client.GrpcChannel.ForAddress($"http://127.0.0.1:{settings.GrpcPort}")));
builder.Services.AddMassTransit(x =>
{
    x.AddConsumer<WorkDoneConsumer>();
    x.UsingRabbitMq((context, cfg) =>
    {
        var uri = new Uri(settings.RabbitMq);
        cfg.Host(uri.Host, (ushort)uri.Port, "/", h =>
        {
            h.Username("guest");
            h.Password("guest");
        });
        cfg.ConfigureEndpoints(context);
    });
});
builder.Services.Configure<MassTransitHostOptions>(o => o.WaitUntilStarted = true);

var app = builder.Build();
await Schema.CreateAsync(app.Services);

app.MapGrpcService<GreeterService>();
app.MapGet("/health", () => "ok");
app.MapGet("/downstream", (ILogger<Program> logger) =>
{
    Log.Downstream(logger);
    return "downstream";
});

app.MapGet("/work", async (
    string? name,
    NpgsqlDataSource postgres,
    MySqlDataSource mysql,
    ShopContext shop,
    IConnectionMultiplexer redis,
    RabbitConnection rabbit,
    IPublishEndpoint bus,
    Greeter.GreeterClient greeter,
    IHttpClientFactory http,
    WorkMetrics metrics,
    ILogger<Program> logger) =>
{
    name ??= "widget";
    long pgCount;
    await using (var cmd = postgres.CreateCommand("SELECT COUNT(*) FROM items WHERE name = 'widget' AND price > 5"))
    {
        pgCount = (long)(await cmd.ExecuteScalarAsync() ?? 0L);
    }

    long myCount;
    await using (var connection = await mysql.OpenConnectionAsync())
    await using (var cmd = new MySqlCommand("SELECT COUNT(*) FROM orders WHERE status = 'open' AND total > 100.5", connection))
    {
        myCount = Convert.ToInt64(await cmd.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    var efCount = await shop.Items.CountAsync(i => i.Price > 10);

    var db = redis.GetDatabase();
    await db.StringSetAsync("work:last", name);
    var cached = (string?)await db.StringGetAsync("work:last");

    await rabbit.PublishAsync("work " + name);
    await bus.Publish(new WorkDone(name));

    var reply = await greeter.SayHelloAsync(new HelloRequest { Name = name });
    var downstream = await http.CreateClient().GetStringAsync(new Uri($"http://127.0.0.1:{settings.HttpPort}/downstream"));

    metrics.Work.Add(1, new KeyValuePair<string, object?>("work.name", name));
    Log.WorkDone(logger, name, pgCount + myCount + efCount);
    return Results.Ok(new { pgCount, myCount, efCount, cached, grpc = reply.Message, downstream });
});

app.MapGet("/sqlclient", async () =>
{
    // There is no SQL Server here: the connection fails, and the command then fails too.
    await using var connection = new SqlConnection(settings.SqlServer);
    await using var cmd = new SqlCommand("SELECT name FROM products WHERE id = 42 AND sku = 'ABC-1'", connection);
    string outcome;
    try
    {
        await connection.OpenAsync();
        outcome = "opened";
    }
    catch (SqlException ex)
    {
        outcome = "open failed: " + ex.Number;
    }

    try
    {
        await cmd.ExecuteScalarAsync();
    }
    catch (InvalidOperationException)
    {
        outcome += "; command failed";
    }

    return outcome;
});

app.MapGet("/ef-only", async (ShopContext shop) => await shop.Items.CountAsync(i => i.Name == "gadget"));

app.Run();

internal sealed class WorkMetrics
{
    private readonly Meter _meter = new("LibrariesApp.Work", "1.0");

    public WorkMetrics() => Work = _meter.CreateCounter<long>("libraries.work.count", unit: "{request}", description: "Requests to /work.");

    public Counter<long> Work { get; }
}

internal static partial class Log
{
    [LoggerMessage(Level = LogLevel.Information, Message = "work done for {Name} with {Count} rows")]
    public static partial void WorkDone(ILogger logger, string name, long count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "downstream called")]
    public static partial void Downstream(ILogger logger);

    [LoggerMessage(Level = LogLevel.Information, Message = "rabbitmq consumed {Body}")]
    public static partial void Consumed(ILogger logger, string body);

    [LoggerMessage(Level = LogLevel.Information, Message = "masstransit consumed {Name}")]
    public static partial void MassTransitConsumed(ILogger logger, string name);
}
