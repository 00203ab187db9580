// The instrumentations the agent knows, by the IDs that the
// OTEL_DOTNET_AUTO_{SIGNAL}_{ID}_INSTRUMENTATION_ENABLED switches use. Source- and meter-based
// ones cost nothing until the library is loaded and starts an activity; the ones that need the
// agent's own code (EF Core, StackExchange.Redis, SqlClient) are only wired when the app ships
// the library. docs/libraries.md says what each one covers.
namespace CloudWatchApm.Agent.Instrumentation;

internal static class InstrumentationCatalog
{
    internal const string AspNetCore = "ASPNETCORE";
    internal const string HttpClient = "HTTPCLIENT";
    internal const string Npgsql = "NPGSQL";
    internal const string MySqlConnector = "MYSQLCONNECTOR";
    internal const string RabbitMq = "RABBITMQ";
    internal const string MassTransit = "MASSTRANSIT";
    internal const string GrpcNetClient = "GRPCNETCLIENT";
    internal const string StackExchangeRedis = "STACKEXCHANGEREDIS";
    internal const string SqlClient = "SQLCLIENT";
    internal const string EntityFrameworkCore = "ENTITYFRAMEWORKCORE";
    internal const string NetRuntime = "NETRUNTIME";
    internal const string Process = "PROCESS";
    internal const string ILogger = "ILOGGER";

    /// <summary>The ActivitySource of the agent's own EF Core instrumentation (the library publishes none).</summary>
    internal const string EntityFrameworkCoreSource = "CloudWatchApm.Instrumentation.EntityFrameworkCore";

    /// <summary>The ActivitySource of the agent's own StackExchange.Redis instrumentation (the library publishes none).</summary>
    internal const string StackExchangeRedisSource = "CloudWatchApm.Instrumentation.StackExchangeRedis";

    /// <summary>The ActivitySource of OpenTelemetry.Instrumentation.SqlClient.</summary>
    internal const string SqlClientSource = "OpenTelemetry.Instrumentation.SqlClient";

    /// <summary>
    /// Trace instrumentations by ID: the ActivitySource names that carry their spans and the
    /// assembly whose presence in the app turns them on.
    /// </summary>
    internal static readonly LibraryEntry[] Libraries =
    [
        new(Npgsql, "Npgsql", ["Npgsql"]),
        new(MySqlConnector, "MySqlConnector", ["MySqlConnector"]),
        new(RabbitMq, "RabbitMQ.Client", ["RabbitMQ.Client.Publisher", "RabbitMQ.Client.Subscriber"]),
        new(MassTransit, "MassTransit", ["MassTransit"]),
        new(GrpcNetClient, "Grpc.Net.Client", ["Grpc.Net.Client"]),
        new(StackExchangeRedis, "StackExchange.Redis", [StackExchangeRedisSource]),
        new(EntityFrameworkCore, "Microsoft.EntityFrameworkCore", [EntityFrameworkCoreSource]),
        new(SqlClient, "Microsoft.Data.SqlClient", [SqlClientSource]),
    ];

    /// <summary>Metric instrumentations that are plain Meter names published by the runtime or library.</summary>
    internal static readonly (string Id, string[] Meters)[] MetricMeters =
    [
        (AspNetCore, ["Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel", "Microsoft.AspNetCore.Routing", "Microsoft.AspNetCore.Diagnostics", "Microsoft.AspNetCore.RateLimiting", "Microsoft.AspNetCore.HeaderParsing"]),
        (HttpClient, ["System.Net.Http", "System.Net.NameResolution"]),
        (Npgsql, ["Npgsql"]),
        (MySqlConnector, ["MySqlConnector"]),
        (MassTransit, ["MassTransit"]),
        (EntityFrameworkCore, ["Microsoft.EntityFrameworkCore"]),
    ];

    /// <summary>
    /// The library versions each instrumentation was written and tested against (assembly major
    /// versions, inclusive). Outside the range the agent logs the version once; the code-based
    /// instrumentations (EF Core, StackExchange.Redis) then stay off.
    /// </summary>
    internal static readonly (string Assembly, string Id, int MinMajor, int MaxMajor)[] KnownVersions =
    [
        ("Npgsql", Npgsql, 6, 10),
        ("MySqlConnector", MySqlConnector, 2, 2),
        ("RabbitMQ.Client", RabbitMq, 7, 7),
        ("MassTransit", MassTransit, 8, 8),
        ("Grpc.Net.Client", GrpcNetClient, 2, 2),
        ("StackExchange.Redis", StackExchangeRedis, 2, 3),
        ("Microsoft.EntityFrameworkCore", EntityFrameworkCore, 6, 10),
        ("Microsoft.Data.SqlClient", SqlClient, 1, 6),
    ];

    internal static LibraryEntry? Find(string id)
    {
        foreach (var entry in Libraries)
        {
            if (entry.Id == id)
            {
                return entry;
            }
        }

        return null;
    }

    internal sealed record LibraryEntry(string Id, string Assembly, string[] Sources);
}
