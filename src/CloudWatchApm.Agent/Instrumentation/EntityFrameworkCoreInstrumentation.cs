// Entity Framework Core publishes no ActivitySource, but it writes every command to the
// "Microsoft.EntityFrameworkCore" DiagnosticListener (CommandExecuting, then CommandExecuted,
// CommandError or CommandCanceled, with the same CommandId). This turns each command into a
// span. Only DbCommand (a BCL type) and the payload's property names are used, so the agent
// compiles against no EF Core version and an EF Core whose payload differs is logged and skipped.
//
// Span kind: when the ADO.NET provider under EF publishes its own client span (Npgsql,
// MySqlConnector, or SqlClient with that instrumentation on), the EF span is INTERNAL and the
// provider's CLIENT span nests under it, so a query is counted once as a dependency call;
// otherwise (SQLite, Oracle, ...) the EF span is the CLIENT span.
using System.Collections.Concurrent;
using System.Data.Common;
using System.Diagnostics;
using System.Reflection;

namespace CloudWatchApm.Agent.Instrumentation;

internal sealed class EntityFrameworkCoreInstrumentation : IObserver<DiagnosticListener>, IObserver<KeyValuePair<string, object?>>, IDisposable
{
    internal const string ListenerName = "Microsoft.EntityFrameworkCore";
    private const string Prefix = "Microsoft.EntityFrameworkCore.Database.Command.";

    private static readonly ActivitySource Source = new(InstrumentationCatalog.EntityFrameworkCoreSource, typeof(EntityFrameworkCoreInstrumentation).Assembly.GetName().Version?.ToString());

    private readonly ConcurrentDictionary<Guid, Activity> _running = new();
    private readonly ConcurrentDictionary<Type, PayloadReader?> _readers = new();
    private readonly HashSet<string> _providersWithOwnSpans;
    private readonly List<IDisposable> _subscriptions = [];
    private IDisposable? _allListeners;

    internal EntityFrameworkCoreInstrumentation(HashSet<string> providersWithOwnSpans)
    {
        _providersWithOwnSpans = providersWithOwnSpans;
    }

    internal static EntityFrameworkCoreInstrumentation Start(HashSet<string> providersWithOwnSpans)
    {
        var instrumentation = new EntityFrameworkCoreInstrumentation(providersWithOwnSpans);
        instrumentation._allListeners = DiagnosticListener.AllListeners.Subscribe(instrumentation);
        return instrumentation;
    }

    public void OnNext(DiagnosticListener value)
    {
        if (value.Name != ListenerName || InstrumentationGuard.IsDisabled(InstrumentationCatalog.EntityFrameworkCore))
        {
            return;
        }

        try
        {
            // The listener is created by EF Core itself; its assembly is the one to check.
            var efAssembly = AppDomain.CurrentDomain.GetAssemblies().FirstOrDefault(a => a.GetName().Name == "Microsoft.EntityFrameworkCore");
            if (efAssembly is not null && !InstrumentationGuard.IsKnownVersion(InstrumentationCatalog.EntityFrameworkCore, efAssembly))
            {
                return;
            }

            lock (_subscriptions)
            {
                _subscriptions.Add(value.Subscribe(this, static (name, _, _) => name.StartsWith(Prefix, StringComparison.Ordinal)));
            }
        }
        catch (Exception ex)
        {
            InstrumentationGuard.Disable(InstrumentationCatalog.EntityFrameworkCore, "subscribing to EF Core", ex);
        }
    }

    public void OnNext(KeyValuePair<string, object?> value)
    {
        if (value.Value is null || InstrumentationGuard.IsDisabled(InstrumentationCatalog.EntityFrameworkCore))
        {
            return;
        }

        try
        {
            switch (value.Key)
            {
                case Prefix + "CommandExecuting":
                    OnExecuting(value.Value);
                    break;
                case Prefix + "CommandExecuted":
                    OnFinished(value.Value, error: false);
                    break;
                case Prefix + "CommandError":
                case Prefix + "CommandCanceled":
                    OnFinished(value.Value, error: true);
                    break;
            }
        }
        catch (Exception ex)
        {
            InstrumentationGuard.Disable(InstrumentationCatalog.EntityFrameworkCore, value.Key, ex);
        }
    }

    public void OnError(Exception error)
    {
    }

    public void OnCompleted()
    {
    }

    public void Dispose()
    {
        _allListeners?.Dispose();
        lock (_subscriptions)
        {
            foreach (var s in _subscriptions)
            {
                s.Dispose();
            }

            _subscriptions.Clear();
        }
    }

    /// <summary>db.system for a connection type, by its type name (no provider is referenced).</summary>
    internal static string SystemOf(string connectionTypeName) => connectionTypeName switch
    {
        "NpgsqlConnection" => "postgresql",
        "MySqlConnection" => "mysql",
        "SqlConnection" => "mssql",
        "SqliteConnection" => "sqlite",
        "OracleConnection" => "oracle",
        "FbConnection" => "firebird",
        _ => "other_sql",
    };

    private void OnExecuting(object payload)
    {
        if (!Source.HasListeners())
        {
            return;
        }

        var reader = ReaderFor(payload.GetType());
        if (reader is null || reader.Command(payload) is not DbCommand command)
        {
            return;
        }

        var connection = command.Connection;
        var connectionType = connection?.GetType();
        var system = SystemOf(connectionType?.Name ?? string.Empty);
        var kind = connectionType is not null && _providersWithOwnSpans.Contains(connectionType.Assembly.GetName().Name ?? string.Empty)
            ? ActivityKind.Internal
            : ActivityKind.Client;
        var database = connection?.Database;
        var text = SqlSanitizer.Sanitize(command.CommandText);
        var operation = FirstWord(text);
        var name = operation.Length == 0 ? database ?? system : string.IsNullOrEmpty(database) ? operation : operation + " " + database;

        var activity = Source.StartActivity(name, kind);
        if (activity is null)
        {
            return;
        }

        if (activity.IsAllDataRequested)
        {
            activity.SetTag("db.system", system);
            activity.SetTag("db.system.name", system == "mssql" ? "microsoft.sql_server" : system);
            if (!string.IsNullOrEmpty(database))
            {
                activity.SetTag("db.namespace", database);
            }

            if (operation.Length > 0)
            {
                activity.SetTag("db.operation.name", operation);
            }

            activity.SetTag("db.query.text", text);
            if (connection is not null && !string.IsNullOrEmpty(connection.DataSource))
            {
                AddServer(activity, connection.DataSource);
            }

            if (reader.Context(payload) is { } context)
            {
                activity.SetTag("db.efcore.context", context.GetType().Name);
            }
        }

        if (reader.CommandId(payload) is Guid id)
        {
            _running[id] = activity;
        }
        else
        {
            activity.Stop();
        }
    }

    private void OnFinished(object payload, bool error)
    {
        var reader = ReaderFor(payload.GetType());
        if (reader?.CommandId(payload) is not Guid id || !_running.TryRemove(id, out var activity))
        {
            return;
        }

        if (error)
        {
            if (reader.Exception(payload) is Exception ex)
            {
                activity.AddException(ex);
                activity.SetTag("error.type", ex.GetType().FullName);
                activity.SetStatus(ActivityStatusCode.Error, ex.Message);
            }
            else
            {
                activity.SetStatus(ActivityStatusCode.Error, "canceled");
            }
        }

        var current = Activity.Current;
        activity.Stop();

        // EF's async code may run the finishing event on a flow where our span is not current;
        // stopping it must not change what is current there.
        if (current != activity)
        {
            Activity.Current = current;
        }
    }

    private PayloadReader? ReaderFor(Type type) => _readers.GetOrAdd(type, PayloadReader.Create);

    private static string FirstWord(string text)
    {
        var span = text.AsSpan().TrimStart();
        var end = 0;
        while (end < span.Length && char.IsAsciiLetter(span[end]))
        {
            end++;
        }

        return end == 0 ? string.Empty : span[..end].ToString().ToUpperInvariant();
    }

    /// <summary>DataSource is "host", "host:port", "host,port" (SQL Server), "tcp:host,port" or "tcp://host:port" (Npgsql).</summary>
    internal static void AddServer(Activity activity, string dataSource)
    {
        var ds = dataSource.AsSpan();
        var scheme = ds.IndexOf("://", StringComparison.Ordinal);
        if (scheme >= 0)
        {
            ds = ds[(scheme + 3)..];
        }
        else if (ds.StartsWith("tcp:", StringComparison.OrdinalIgnoreCase))
        {
            ds = ds[4..];
        }

        ds = ds.TrimEnd('/');
        var separator = ds.IndexOf(',');
        if (separator < 0 && ds.Count(':') == 1)
        {
            separator = ds.IndexOf(':');
        }

        if (separator > 0 && int.TryParse(ds[(separator + 1)..], System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var port))
        {
            activity.SetTag("server.address", ds[..separator].ToString());
            activity.SetTag("server.port", port);
        }
        else if (!ds.IsEmpty)
        {
            activity.SetTag("server.address", ds.ToString());
        }
    }

    /// <summary>Reads the payload's Command, CommandId, Context and Exception properties by name.</summary>
    private sealed class PayloadReader
    {
        private readonly PropertyInfo? _command;
        private readonly PropertyInfo? _commandId;
        private readonly PropertyInfo? _context;
        private readonly PropertyInfo? _exception;

        private PayloadReader(PropertyInfo? command, PropertyInfo? commandId, PropertyInfo? context, PropertyInfo? exception)
        {
            _command = command;
            _commandId = commandId;
            _context = context;
            _exception = exception;
        }

        internal static PayloadReader? Create(Type type)
        {
            var command = type.GetProperty("Command", BindingFlags.Public | BindingFlags.Instance);
            var commandId = type.GetProperty("CommandId", BindingFlags.Public | BindingFlags.Instance);
            if (command is null || commandId is null || commandId.PropertyType != typeof(Guid))
            {
                Diagnostics.AgentLog.Warn($"EF Core event payload {type.FullName} has no Command/CommandId; instrumentation {InstrumentationCatalog.EntityFrameworkCore} skips it");
                return null;
            }

            return new PayloadReader(command, commandId, type.GetProperty("Context"), type.GetProperty("Exception"));
        }

        internal object? Command(object payload) => _command?.GetValue(payload);

        internal object? CommandId(object payload) => _commandId?.GetValue(payload);

        internal object? Context(object payload) => _context?.GetValue(payload);

        internal object? Exception(object payload) => _exception?.GetValue(payload);
    }
}
