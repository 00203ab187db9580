// The pieces of the test application that are not endpoints: settings, the EF Core model, the
// schema, the RabbitMQ connection and consumer, the MassTransit consumer and the gRPC service.
using System.Globalization;
using System.Text;
using Grpc.Core;
using LibrariesApp.Grpc;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using MySqlConnector;
using Npgsql;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace LibrariesApp;

internal sealed record AppSettings(int HttpPort, int GrpcPort, string Postgres, string MySql, string Redis, string RabbitMq, string SqlServer)
{
    public const string Queue = "libraries-work";

    public static AppSettings FromEnvironment()
    {
        static string Env(string name, string fallback) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } v ? v : fallback;
        var urls = Env("ASPNETCORE_URLS", "http://127.0.0.1:5000");
        var httpPort = new Uri(urls.Split(';')[0]).Port;
        return new AppSettings(
            httpPort,
            int.Parse(Env("GRPC_PORT", (httpPort + 1).ToString(CultureInfo.InvariantCulture)), CultureInfo.InvariantCulture),
            Env("PG_CONNECTION", "Host=127.0.0.1;Username=postgres;Database=libraries"),
            Env("MYSQL_CONNECTION", "Server=127.0.0.1;User ID=app;Password=app;Database=libraries"),
            Env("REDIS_CONNECTION", "127.0.0.1:6379"),
            Env("RABBITMQ_URI", "amqp://guest:guest@127.0.0.1:5672/"),
            Env("SQLSERVER_CONNECTION", "Server=127.0.0.1,1;Database=inventory;User ID=sa;Password=not-a-secret;Encrypt=false;Connect Timeout=2"));
    }
}

public sealed class Item
{
    public int Id { get; set; }

    public string Name { get; set; } = string.Empty;

    public decimal Price { get; set; }
}

public sealed class ShopContext(DbContextOptions<ShopContext> options) : DbContext(options)
{
    public DbSet<Item> Items => Set<Item>();

    protected override void OnModelCreating(ModelBuilder modelBuilder) => modelBuilder.Entity<Item>(e =>
    {
        e.ToTable("items");
        e.Property(i => i.Id).HasColumnName("id");
        e.Property(i => i.Name).HasColumnName("name");
        e.Property(i => i.Price).HasColumnName("price");
    });
}

internal static class Schema
{
    public static async Task CreateAsync(IServiceProvider services)
    {
        var postgres = services.GetRequiredService<NpgsqlDataSource>();
        await using (var cmd = postgres.CreateCommand(
            "CREATE TABLE IF NOT EXISTS items (id serial PRIMARY KEY, name text NOT NULL, price numeric NOT NULL);" +
            "INSERT INTO items (name, price) SELECT 'widget', 12 WHERE NOT EXISTS (SELECT 1 FROM items);" +
            "INSERT INTO items (name, price) SELECT 'gadget', 3 WHERE (SELECT COUNT(*) FROM items) < 2;"))
        {
            await cmd.ExecuteNonQueryAsync();
        }

        var mysql = services.GetRequiredService<MySqlDataSource>();
        await using var connection = await mysql.OpenConnectionAsync();
        await using var create = new MySqlCommand(
            "CREATE TABLE IF NOT EXISTS orders (id INT AUTO_INCREMENT PRIMARY KEY, status VARCHAR(20) NOT NULL, total DECIMAL(10,2) NOT NULL);" +
            "INSERT INTO orders (status, total) SELECT 'open', 250.00 FROM DUAL WHERE NOT EXISTS (SELECT 1 FROM orders);",
            connection);
        await create.ExecuteNonQueryAsync();
    }
}

/// <summary>One RabbitMQ.Client 7 connection for the app; publishing is serialised on one channel.</summary>
internal sealed class RabbitConnection(AppSettings settings) : IAsyncDisposable
{
    private readonly SemaphoreSlim _lock = new(1, 1);
    private IConnection? _connection;
    private IChannel? _channel;

    public async Task<IConnection> ConnectionAsync()
    {
        if (_connection is not null)
        {
            return _connection;
        }

        await _lock.WaitAsync();
        try
        {
            _connection ??= await new ConnectionFactory { Uri = new Uri(settings.RabbitMq) }.CreateConnectionAsync();
            return _connection;
        }
        finally
        {
            _lock.Release();
        }
    }

    public async Task PublishAsync(string message)
    {
        var connection = await ConnectionAsync();
        await _lock.WaitAsync();
        try
        {
            if (_channel is null)
            {
                _channel = await connection.CreateChannelAsync();
                await _channel.QueueDeclareAsync(AppSettings.Queue, durable: false, exclusive: false, autoDelete: false);
            }

            await _channel.BasicPublishAsync(string.Empty, AppSettings.Queue, mandatory: false, new BasicProperties(), Encoding.UTF8.GetBytes(message));
        }
        finally
        {
            _lock.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_channel is not null)
        {
            await _channel.DisposeAsync();
        }

        if (_connection is not null)
        {
            await _connection.DisposeAsync();
        }

        _lock.Dispose();
    }
}

internal sealed class RabbitConsumer(RabbitConnection rabbit, ILogger<RabbitConsumer> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var connection = await rabbit.ConnectionAsync();
        var channel = await connection.CreateChannelAsync(cancellationToken: stoppingToken);
        await channel.QueueDeclareAsync(AppSettings.Queue, durable: false, exclusive: false, autoDelete: false, cancellationToken: stoppingToken);
        var consumer = new AsyncEventingBasicConsumer(channel);
        consumer.ReceivedAsync += (_, delivery) =>
        {
            Log.Consumed(logger, Encoding.UTF8.GetString(delivery.Body.Span));
            return Task.CompletedTask;
        };
        await channel.BasicConsumeAsync(AppSettings.Queue, autoAck: true, consumer, stoppingToken);
        try
        {
            await Task.Delay(Timeout.Infinite, stoppingToken);
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }

        await channel.DisposeAsync();
    }
}

public sealed record WorkDone(string Name);

public sealed class WorkDoneConsumer(ILogger<WorkDoneConsumer> logger) : IConsumer<WorkDone>
{
    public Task Consume(ConsumeContext<WorkDone> context)
    {
        Log.MassTransitConsumed(logger, context.Message.Name);
        return Task.CompletedTask;
    }
}

internal sealed class GreeterService : Greeter.GreeterBase
{
    public override Task<HelloReply> SayHello(HelloRequest request, ServerCallContext context)
        => Task.FromResult(new HelloReply { Message = "hello " + request.Name });
}
