// The instrumentations the agent has, by ID, with the packages that make each one apply, and
// well-known libraries it does not cover. `cwapm detect` reads this table; the agent uses the
// same IDs in OTEL_DOTNET_AUTO_{SIGNAL}_{ID}_INSTRUMENTATION_ENABLED.
using CloudWatchApm.Agent.Shared;

namespace CloudWatchApm.Cli;

/// <summary>
/// One instrumentation. <see cref="Packages"/> are deps.json library names (exact, case-insensitive);
/// <see cref="Framework"/> is a shared framework that brings it; <see cref="Always"/> means every app has it.
/// </summary>
internal sealed record Instrumentation(string Id, string Signal, string Description, string[] Packages, string? Framework = null, bool Always = false)
{
    /// <summary>The variable that switches it off (=false).</summary>
    internal string SwitchKey => ConfigurationKeys.InstrumentationKey(Signal, Id);
}

/// <summary>A library the agent does not instrument by itself, and what that means.</summary>
internal sealed record UncoveredLibrary(string Package, string Note);

internal static class Instrumentations
{
    internal const string AspNetCoreFramework = "Microsoft.AspNetCore.App";

    internal static readonly Instrumentation[] All =
    [
        new("ASPNETCORE", "TRACES", "incoming HTTP requests (ASP.NET Core)", [], AspNetCoreFramework),
        new("HTTPCLIENT", "TRACES", "outgoing HTTP calls (HttpClient)", [], Always: true),
        new("SQLCLIENT", "TRACES", "SQL Server queries", ["Microsoft.Data.SqlClient", "System.Data.SqlClient"]),
        new("NPGSQL", "TRACES", "PostgreSQL queries", ["Npgsql"]),
        new("MYSQLCONNECTOR", "TRACES", "MySQL queries", ["MySqlConnector"]),
        new("ENTITYFRAMEWORKCORE", "TRACES", "Entity Framework Core commands", ["Microsoft.EntityFrameworkCore"]),
        new("GRPCNETCLIENT", "TRACES", "outgoing gRPC calls", ["Grpc.Net.Client"]),
        new("RABBITMQ", "TRACES", "RabbitMQ publish and consume", ["RabbitMQ.Client"]),
        new("MASSTRANSIT", "TRACES", "MassTransit messages", ["MassTransit"]),
        new("STACKEXCHANGEREDIS", "TRACES", "Redis commands", ["StackExchange.Redis"]),
        new("AWSSDK", "TRACES", "AWS SDK calls", ["AWSSDK.Core"]),
        new("ILOGGER", "LOGS", "ILogger log records", ["Microsoft.Extensions.Logging"], AspNetCoreFramework),
    ];

    internal static readonly UncoveredLibrary[] Uncovered =
    [
        new("Dapper", "covered through the ADO.NET provider it runs on (SQLCLIENT, NPGSQL, MYSQLCONNECTOR): spans are the provider's"),
        new("MongoDB.Driver", "not covered: use MongoDB.Driver.Core.Extensions.DiagnosticSources in code"),
        new("Confluent.Kafka", "not covered: no spans for Kafka produce/consume"),
        new("NServiceBus", "not covered by the agent: NServiceBus emits its own ActivitySource; add it with OTEL_DOTNET_AUTO_TRACES_ADDITIONAL_SOURCES=NServiceBus.Core"),
        new("Hangfire", "not covered: no spans for background jobs"),
        new("Elastic.Clients.Elasticsearch", "not covered by the agent: the client emits its own ActivitySource; add its name (see the client's docs) to OTEL_DOTNET_AUTO_TRACES_ADDITIONAL_SOURCES"),
        new("NEST", "not covered: no spans for Elasticsearch calls"),
        new("Elasticsearch.Net", "not covered: no spans for Elasticsearch calls"),
        new("Quartz", "not covered: no spans for scheduled jobs"),
        new("Oracle.ManagedDataAccess.Core", "not covered: no spans for Oracle queries"),
        new("Microsoft.Data.Sqlite", "not covered: no spans for SQLite queries"),
        new("Azure.Core", "not covered by the agent: Azure SDK clients emit their own ActivitySource; add it with OTEL_DOTNET_AUTO_TRACES_ADDITIONAL_SOURCES=Azure.*"),
        new("NATS.Client.Core", "not covered by the agent: add its ActivitySource with OTEL_DOTNET_AUTO_TRACES_ADDITIONAL_SOURCES"),
    ];
}
