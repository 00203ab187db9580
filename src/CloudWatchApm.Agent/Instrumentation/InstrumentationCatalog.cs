// The instrumentations the agent knows, by the IDs that the
// OTEL_DOTNET_AUTO_{SIGNAL}_{ID}_INSTRUMENTATION_ENABLED switches use. Source- and meter-based
// ones cost nothing until the library is loaded and starts an activity; the ASP.NET Core one
// is only registered when the app runs on the ASP.NET Core framework.
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

    /// <summary>Trace instrumentations that are plain ActivitySource names published by the library.</summary>
    internal static readonly (string Id, string[] Sources)[] TraceSources =
    [
        (Npgsql, ["Npgsql"]),
        (MySqlConnector, ["MySqlConnector"]),
        (RabbitMq, ["RabbitMQ.Client.Publisher", "RabbitMQ.Client.Subscriber"]),
        (MassTransit, ["MassTransit"]),
        (GrpcNetClient, ["Grpc.Net.Client"]),
        (StackExchangeRedis, ["StackExchange.Redis"]),
        (EntityFrameworkCore, ["Microsoft.EntityFrameworkCore"]),
    ];

    /// <summary>Metric instrumentations that are plain Meter names published by the runtime or library.</summary>
    internal static readonly (string Id, string[] Meters)[] MetricMeters =
    [
        (AspNetCore, ["Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel", "Microsoft.AspNetCore.Routing", "Microsoft.AspNetCore.Diagnostics", "Microsoft.AspNetCore.RateLimiting", "Microsoft.AspNetCore.HeaderParsing"]),
        (HttpClient, ["System.Net.Http", "System.Net.NameResolution"]),
        (Npgsql, ["Npgsql"]),
        (MySqlConnector, ["MySqlConnector"]),
        (SqlClient, ["Microsoft.Data.SqlClient.EventSource"]),
    ];
}
