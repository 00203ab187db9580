// Brings the spans that libraries publish themselves onto the current semantic conventions and
// sanitises their SQL. Npgsql, MySqlConnector and SqlClient put the statement as written into
// their spans (literals included); RabbitMQ.Client, MassTransit and Grpc.Net.Client use older
// or library-specific attribute names. Runs before the exporter's processor (it is added to the
// provider first), only for the sources of instrumentations that are on, and a failure turns
// off only this processing for that library, never the span or the app.
using System.Diagnostics;
using OpenTelemetry;

namespace CloudWatchApm.Agent.Instrumentation;

internal sealed class LibrarySpanProcessor : BaseProcessor<Activity>
{
    private readonly Dictionary<string, Kind> _sources = new(StringComparer.Ordinal);

    internal LibrarySpanProcessor(IReadOnlyCollection<string> enabledIds)
    {
        foreach (var id in enabledIds)
        {
            switch (id)
            {
                case InstrumentationCatalog.Npgsql:
                    _sources["Npgsql"] = Kind.Postgres;
                    break;
                case InstrumentationCatalog.MySqlConnector:
                    _sources["MySqlConnector"] = Kind.MySql;
                    break;
                case InstrumentationCatalog.SqlClient:
                    _sources[InstrumentationCatalog.SqlClientSource] = Kind.SqlServer;
                    break;
                case InstrumentationCatalog.RabbitMq:
                    _sources["RabbitMQ.Client.Publisher"] = Kind.RabbitMq;
                    _sources["RabbitMQ.Client.Subscriber"] = Kind.RabbitMq;
                    break;
                case InstrumentationCatalog.MassTransit:
                    _sources["MassTransit"] = Kind.MassTransit;
                    break;
                case InstrumentationCatalog.GrpcNetClient:
                    _sources["Grpc.Net.Client"] = Kind.Grpc;
                    break;
            }
        }
    }

    private enum Kind
    {
        Postgres,
        MySql,
        SqlServer,
        RabbitMq,
        MassTransit,
        Grpc,
    }

    internal bool IsEmpty => _sources.Count == 0;

    public override void OnEnd(Activity data)
    {
        if (!_sources.TryGetValue(data.Source.Name, out var kind))
        {
            return;
        }

        var id = IdOf(kind);
        if (InstrumentationGuard.IsDisabled(id))
        {
            return;
        }

        try
        {
            switch (kind)
            {
                case Kind.Postgres:
                    NormalizeDatabase(data, "postgresql");
                    break;
                case Kind.MySql:
                    NormalizeDatabase(data, "mysql");
                    break;
                case Kind.SqlServer:
                    NormalizeDatabase(data, "mssql");
                    break;
                case Kind.RabbitMq:
                    NormalizeMessaging(data, "rabbitmq");
                    break;
                case Kind.MassTransit:
                    NormalizeMessaging(data, null);
                    break;
                case Kind.Grpc:
                    NormalizeGrpc(data);
                    break;
            }
        }
        catch (Exception ex)
        {
            InstrumentationGuard.Disable(id, "span post-processing", ex);
        }
    }

    /// <summary>db.system.name (and db.system for older back ends), db.namespace, sanitised db.query.text, server.address/port.</summary>
    internal static void NormalizeDatabase(Activity a, string system)
    {
        var oldSystem = a.GetTagItem("db.system") as string;
        var newSystem = a.GetTagItem("db.system.name") as string;
        if (newSystem is null)
        {
            a.SetTag("db.system.name", system == "mssql" ? "microsoft.sql_server" : oldSystem ?? system);
        }

        if (oldSystem is null)
        {
            a.SetTag("db.system", system);
        }

        if (a.GetTagItem("db.namespace") is null && a.GetTagItem("db.name") is string database)
        {
            a.SetTag("db.namespace", database);
        }

        var text = a.GetTagItem("db.query.text") as string ?? a.GetTagItem("db.statement") as string;
        if (text is not null)
        {
            a.SetTag("db.query.text", SqlSanitizer.Sanitize(text));
            a.SetTag("db.statement", null);
        }

        CopyIfMissing(a, "net.peer.name", "server.address");
        CopyIfMissing(a, "net.peer.ip", "server.address");
        CopyIfMissing(a, "net.peer.port", "server.port");

        // The conventions make the port an int; MySqlConnector records it as a string.
        if (a.GetTagItem("server.port") is string port && int.TryParse(port, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var number))
        {
            a.SetTag("server.port", number);
        }

        // MySqlConnector names command spans after its method ("Execute"); the conventions want
        // the target, and the database is the target the span knows.
        if (a.DisplayName == "Execute")
        {
            a.DisplayName = a.GetTagItem("db.namespace") as string ?? system;
        }
    }

    internal static void NormalizeMessaging(Activity a, string? system)
    {
        if (system is not null && a.GetTagItem("messaging.system") is null)
        {
            a.SetTag("messaging.system", system);
        }

        if (a.GetTagItem("messaging.operation.type") is null)
        {
            var type = (a.GetTagItem("messaging.operation") as string) switch
            {
                "publish" or "send" or "create" => "send",
                "receive" => "receive",
                "deliver" or "process" or "consume" => "process",
                "settle" or "ack" => "settle",
                _ => a.Kind switch
                {
                    ActivityKind.Producer => "send",
                    ActivityKind.Consumer => "process",
                    _ => null,
                },
            };
            if (type is not null)
            {
                a.SetTag("messaging.operation.type", type);
            }
        }

        if (a.GetTagItem("messaging.destination.name") is null)
        {
            var destination = a.GetTagItem("messaging.destination") as string ?? a.GetTagItem("messaging.rabbitmq.destination") as string;
            if (destination is not null)
            {
                a.SetTag("messaging.destination.name", destination);
            }
        }
    }

    internal static void NormalizeGrpc(Activity a)
    {
        if (a.GetTagItem("rpc.system") is null)
        {
            a.SetTag("rpc.system", "grpc");
        }

        if (a.GetTagItem("grpc.method") is string method && a.GetTagItem("rpc.method") is null)
        {
            // "/package.Service/Method"
            var trimmed = method.AsSpan().TrimStart('/');
            var slash = trimmed.LastIndexOf('/');
            if (slash > 0)
            {
                a.SetTag("rpc.service", trimmed[..slash].ToString());
                a.SetTag("rpc.method", trimmed[(slash + 1)..].ToString());

                // "Grpc.Net.Client.GrpcOut" says nothing; the conventions name it service/method.
                a.DisplayName = trimmed.ToString();
            }
        }

        if (a.GetTagItem("rpc.grpc.status_code") is null && a.GetTagItem("grpc.status_code") is { } code
            && int.TryParse(code.ToString(), System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var status))
        {
            a.SetTag("rpc.grpc.status_code", status);
        }
    }

    private static void CopyIfMissing(Activity a, string from, string to)
    {
        if (a.GetTagItem(to) is null && a.GetTagItem(from) is { } value)
        {
            a.SetTag(to, value);
        }
    }

    private static string IdOf(Kind kind) => kind switch
    {
        Kind.Postgres => InstrumentationCatalog.Npgsql,
        Kind.MySql => InstrumentationCatalog.MySqlConnector,
        Kind.SqlServer => InstrumentationCatalog.SqlClient,
        Kind.RabbitMq => InstrumentationCatalog.RabbitMq,
        Kind.MassTransit => InstrumentationCatalog.MassTransit,
        _ => InstrumentationCatalog.GrpcNetClient,
    };
}
