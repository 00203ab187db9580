// One set of real servers for every test in the "Services" collection: started together (in
// parallel, RabbitMQ being the slow one) before the first such test and stopped after the last.
using Xunit;

namespace CloudWatchApm.Agent.IntegrationTests.Services;

public sealed class ServicesFixture : IAsyncLifetime
{
    private readonly string _root = Directory.CreateTempSubdirectory("cwapm-services-").FullName;
    private readonly List<ITestServer> _started = [];

    public ServicesFixture()
    {
        // Postgres (as user postgres) must be able to reach its folder.
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(_root, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        }

        Postgres = new PostgresServer(_root);
        MariaDb = new MariaDbServer(_root);
        Redis = new RedisServer(_root);
        RabbitMq = new RabbitMqServer(_root);
    }

    internal PostgresServer Postgres { get; }

    internal MariaDbServer MariaDb { get; }

    internal RedisServer Redis { get; }

    internal RabbitMqServer RabbitMq { get; }

    /// <summary>How long starting all of them took (reported in the test output on failure).</summary>
    internal TimeSpan StartupTime { get; private set; }

    /// <summary>The environment the library test app reads its connection strings from.</summary>
    internal Dictionary<string, string?> AppEnvironment() => new()
    {
        ["PG_CONNECTION"] = Postgres.ConnectionString,
        ["MYSQL_CONNECTION"] = MariaDb.ConnectionString,
        ["REDIS_CONNECTION"] = Redis.ConnectionString,
        ["RABBITMQ_URI"] = RabbitMq.Uri,
    };

    public async Task InitializeAsync()
    {
        var sw = System.Diagnostics.Stopwatch.StartNew();
        ITestServer[] servers = [RabbitMq, Postgres, MariaDb, Redis];
        var starts = servers.Select(async s =>
        {
            try
            {
                await s.StartAsync();
                lock (_started)
                {
                    _started.Add(s);
                }
            }
            catch (Exception ex)
            {
                throw new InvalidOperationException($"{s.Name} could not be started (install the servers with build/test-services.sh): {ex.Message}", ex);
            }
        }).ToList();
        try
        {
            await Task.WhenAll(starts);
        }
        catch
        {
            await DisposeAsync();
            throw;
        }

        StartupTime = sw.Elapsed;
    }

    public async Task DisposeAsync()
    {
        foreach (var server in _started.ToList())
        {
            try
            {
                await server.DisposeAsync();
            }
            catch (Exception ex)
            {
                Console.Error.WriteLine($"stopping {server.Name} failed: {ex.Message}");
            }
        }

        _started.Clear();
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
            // A server still held a file; the temporary folder is cleaned by the system later.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}

[CollectionDefinition(Name)]
public sealed class ServicesCollection : ICollectionFixture<ServicesFixture>
{
    internal const string Name = "Services";
}
