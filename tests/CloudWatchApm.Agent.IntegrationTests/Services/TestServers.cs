// The real servers the library tests talk to, each from Debian's packages (build/test-services.sh
// installs them), started on a free loopback port in its own folder under one temporary
// directory, and stopped (data deleted) at the end. Nothing touches the packages' system-wide
// instances or configuration files.
namespace CloudWatchApm.Agent.IntegrationTests.Services;

internal interface ITestServer : IAsyncDisposable
{
    string Name { get; }

    int Port { get; }

    Task StartAsync();
}

/// <summary>PostgreSQL: initdb + postgres in a private data folder; as user postgres when run as root (postgres refuses root).</summary>
internal sealed class PostgresServer(string root) : ITestServer
{
    internal const string Database = "libraries";
    private readonly string _data = Path.Combine(root, "postgres");
    private string _bin = string.Empty;

    public string Name => "PostgreSQL";

    public int Port { get; } = Infrastructure.AppProcess.FreePort();

    internal string ConnectionString => $"Host=127.0.0.1;Port={Port};Username=postgres;Database={Database};Pooling=true;Timeout=15";

    public async Task StartAsync()
    {
        _bin = FindBin();
        Directory.CreateDirectory(_data);
        var asPostgres = ServerProcess.IsRoot;
        if (asPostgres)
        {
            await ServerProcess.RunAsync("chown", ["postgres:postgres", _data]);
        }

        await Run(Path.Combine(_bin, "initdb"), ["-D", _data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync", "--no-locale"], asPostgres);
        await Run(Path.Combine(_bin, "pg_ctl"), ["-D", _data, "-l", Path.Combine(_data, "server.log"), "-w", "-t", "60", "-o", $"-p {Port} -h 127.0.0.1 -k {_data} -c fsync=off -c synchronous_commit=off -c full_page_writes=off", "start"], asPostgres);
        await Run(Path.Combine(_bin, "psql"), ["-h", "127.0.0.1", "-p", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-U", "postgres", "-v", "ON_ERROR_STOP=1", "-c", $"CREATE DATABASE {Database}"], asPostgres);
    }

    public async ValueTask DisposeAsync()
    {
        if (_bin.Length > 0 && File.Exists(Path.Combine(_data, "postmaster.pid")))
        {
            try
            {
                await Run(Path.Combine(_bin, "pg_ctl"), ["-D", _data, "-m", "immediate", "-w", "stop"], ServerProcess.IsRoot);
            }
            catch (InvalidOperationException)
            {
                // Already stopped.
            }
        }
    }

    private static Task<string> Run(string file, string[] arguments, bool asPostgres) => asPostgres
        ? ServerProcess.RunAsync("runuser", ["-u", "postgres", "--", file, .. arguments])
        : ServerProcess.RunAsync(file, arguments);

    private static string FindBin()
    {
        const string Base = "/usr/lib/postgresql";
        var bin = Directory.Exists(Base)
            ? Directory.GetDirectories(Base).Select(d => Path.Combine(d, "bin")).Where(d => File.Exists(Path.Combine(d, "initdb"))).OrderByDescending(d => d, StringComparer.Ordinal).FirstOrDefault()
            : null;
        return bin ?? throw new InvalidOperationException("PostgreSQL is not installed (no /usr/lib/postgresql/<version>/bin/initdb): run build/test-services.sh");
    }
}

/// <summary>MariaDB: mariadb-install-db + mariadbd with its own datadir, socket and port; an init file creates the database and user.</summary>
internal sealed class MariaDbServer(string root) : ITestServer
{
    internal const string Database = "libraries";
    private readonly string _data = Path.Combine(root, "mariadb");
    private ServerProcess? _server;

    public string Name => "MariaDB";

    public int Port { get; } = Infrastructure.AppProcess.FreePort();

    internal string ConnectionString => $"Server=127.0.0.1;Port={Port};User ID=app;Password=app;Database={Database};Pooling=true";

    public async Task StartAsync()
    {
        var daemon = new[] { "/usr/sbin/mariadbd", "/usr/bin/mariadbd" }.FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException("MariaDB is not installed (no mariadbd): run build/test-services.sh");
        Directory.CreateDirectory(_data);
        var user = ServerProcess.IsRoot ? new[] { "--user=root" } : [];
        await ServerProcess.RunAsync("mariadb-install-db", ["--no-defaults", $"--datadir={_data}", "--auth-root-authentication-method=normal", "--skip-test-db", .. user]);
        var init = Path.Combine(root, "mariadb-init.sql");
        await File.WriteAllTextAsync(init, $"CREATE DATABASE IF NOT EXISTS {Database};\nCREATE USER IF NOT EXISTS 'app'@'%' IDENTIFIED BY 'app';\nGRANT ALL ON {Database}.* TO 'app'@'%';\nFLUSH PRIVILEGES;\n");
        _server = ServerProcess.Start(daemon, [
            "--no-defaults", $"--datadir={_data}", $"--socket={Path.Combine(_data, "mariadb.sock")}", $"--port={Port}", "--bind-address=127.0.0.1",
            $"--pid-file={Path.Combine(_data, "mariadb.pid")}", $"--init-file={init}", "--skip-log-bin", "--innodb-flush-log-at-trx-commit=0", "--skip-name-resolve", .. user]);
        await ServerProcess.WaitForPortAsync(Port, TimeSpan.FromSeconds(60), () => _server.HasExited, () => _server.Output);
    }

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            _server.Signal(15);
            await _server.WaitForExitAsync(TimeSpan.FromSeconds(20));
            _server.Dispose();
        }
    }
}

/// <summary>Redis: redis-server on its own port and folder, no persistence.</summary>
internal sealed class RedisServer(string root) : ITestServer
{
    private readonly string _data = Path.Combine(root, "redis");
    private ServerProcess? _server;

    public string Name => "Redis";

    public int Port { get; } = Infrastructure.AppProcess.FreePort();

    internal string ConnectionString => $"127.0.0.1:{Port},abortConnect=false";

    public async Task StartAsync()
    {
        var exe = new[] { "/usr/bin/redis-server", "/usr/local/bin/redis-server" }.FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException("Redis is not installed (no redis-server): run build/test-services.sh");
        Directory.CreateDirectory(_data);
        _server = ServerProcess.Start(exe, ["--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--dir", _data, "--save", string.Empty, "--appendonly", "no", "--daemonize", "no"]);
        await ServerProcess.WaitForPortAsync(Port, TimeSpan.FromSeconds(30), () => _server.HasExited, () => _server.Output);
    }

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            _server.Signal(15);
            await _server.WaitForExitAsync(TimeSpan.FromSeconds(10));
            _server.Dispose();
        }
    }
}

/// <summary>
/// RabbitMQ: rabbitmq-server with a unique node name, its own AMQP, distribution and epmd ports,
/// Mnesia and log folders and HOME (the Erlang cookie), no configuration files from /etc. Erlang
/// starts slowly (about 8 s here), so the fixture starts it first and once per run.
/// </summary>
internal sealed class RabbitMqServer(string root) : ITestServer
{
    private readonly string _data = Path.Combine(root, "rabbitmq");
    private readonly int _epmdPort = Infrastructure.AppProcess.FreePort();
    private ServerProcess? _server;

    public string Name => "RabbitMQ";

    public int Port { get; } = Infrastructure.AppProcess.FreePort();

    internal string Uri => $"amqp://guest:guest@127.0.0.1:{Port}/";

    public async Task StartAsync()
    {
        var exe = new[] { "/usr/lib/rabbitmq/bin/rabbitmq-server", "/usr/sbin/rabbitmq-server" }.FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException("RabbitMQ is not installed (no rabbitmq-server): run build/test-services.sh");
        Directory.CreateDirectory(_data);
        await File.WriteAllTextAsync(Path.Combine(_data, "enabled_plugins"), "[].\n");
        _server = ServerProcess.Start(exe, [], Environment(), _data);
        await ServerProcess.WaitForPortAsync(Port, TimeSpan.FromSeconds(120), () => _server.HasExited, () => _server.Output);
    }

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            _server.Signal(15);
            if (!await _server.WaitForExitAsync(TimeSpan.FromSeconds(20)))
            {
                _server.Kill();
            }

            _server.Dispose();
        }

        // The private epmd the node started outlives it.
        try
        {
            await ServerProcess.RunAsync("epmd", ["-port", _epmdPort.ToString(System.Globalization.CultureInfo.InvariantCulture), "-kill"], timeout: TimeSpan.FromSeconds(10));
        }
        catch (Exception ex) when (ex is InvalidOperationException or TimeoutException or System.ComponentModel.Win32Exception)
        {
            // epmd not running or not on PATH.
        }
    }

    private Dictionary<string, string> Environment()
    {
        string P(int port) => port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return new Dictionary<string, string>
        {
            ["HOME"] = _data,
            ["RABBITMQ_NODENAME"] = $"cwapm{P(Port)}@localhost",
            ["RABBITMQ_NODE_IP_ADDRESS"] = "127.0.0.1",
            ["RABBITMQ_NODE_PORT"] = P(Port),
            ["RABBITMQ_DIST_PORT"] = P(Infrastructure.AppProcess.FreePort()),
            ["ERL_EPMD_PORT"] = P(_epmdPort),
            ["RABBITMQ_MNESIA_BASE"] = Path.Combine(_data, "mnesia"),
            ["RABBITMQ_LOG_BASE"] = Path.Combine(_data, "log"),
            ["RABBITMQ_CONFIG_FILE"] = Path.Combine(_data, "rabbitmq"),
            ["RABBITMQ_ADVANCED_CONFIG_FILE"] = Path.Combine(_data, "advanced.config"),
            ["RABBITMQ_CONF_ENV_FILE"] = Path.Combine(_data, "rabbitmq-env.conf"),
            ["RABBITMQ_ENABLED_PLUGINS_FILE"] = Path.Combine(_data, "enabled_plugins"),
            ["RABBITMQ_PID_FILE"] = Path.Combine(_data, "rabbitmq.pid"),
        };
    }
}
