// The agent's own library code without a real library: span normalisation onto the current
// semantic conventions, EF Core's DiagnosticListener events turned into spans, and the rule that
// an instrumentation which throws, or meets a library version it does not know, is logged and
// switched off while the application carries on.
using System.Data;
using System.Data.Common;
using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using System.Reflection.Emit;
using CloudWatchApm.Agent.Instrumentation;
using Xunit;

namespace CloudWatchApm.Agent.Tests.Instrumentation;

[Collection("Instrumentation")]
public sealed class LibraryInstrumentationTests : IDisposable
{
    private readonly ActivityListener _listener;
    private readonly List<Activity> _stopped = [];

    public LibraryInstrumentationTests()
    {
        InstrumentationGuard.Reset();
        _listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name.StartsWith("Test.", StringComparison.Ordinal) || s.Name == InstrumentationCatalog.EntityFrameworkCoreSource,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = a =>
            {
                lock (_stopped)
                {
                    _stopped.Add(a);
                }
            },
        };
        ActivitySource.AddActivityListener(_listener);
    }

    public void Dispose()
    {
        _listener.Dispose();
        InstrumentationGuard.Reset();
    }

    [Fact]
    public void NormalizeDatabase_OldMySqlConnectorAttributes_CurrentConventionsAndSanitisedText()
    {
        using var source = new ActivitySource("Test.MySql");
        using var a = source.StartActivity("Execute", ActivityKind.Client)!;
        a.SetTag("db.system", "mysql");
        a.SetTag("db.name", "shop");
        a.SetTag("db.statement", "SELECT * FROM orders WHERE id = 42");
        a.SetTag("net.peer.ip", "10.0.0.5");
        a.SetTag("server.port", "3306");

        LibrarySpanProcessor.NormalizeDatabase(a, "mysql");

        Assert.Equal("mysql", a.GetTagItem("db.system.name"));
        Assert.Equal("shop", a.GetTagItem("db.namespace"));
        Assert.Equal("SELECT * FROM orders WHERE id = ?", a.GetTagItem("db.query.text"));
        Assert.Null(a.GetTagItem("db.statement"));
        Assert.Equal("10.0.0.5", a.GetTagItem("server.address"));
        Assert.Equal(3306, a.GetTagItem("server.port"));
        Assert.Equal("shop", a.DisplayName);
    }

    [Fact]
    public void NormalizeDatabase_CurrentNpgsqlAttributes_KeptAndTextSanitised()
    {
        using var source = new ActivitySource("Test.Npgsql");
        using var a = source.StartActivity("postgresql", ActivityKind.Client)!;
        a.SetTag("db.system.name", "postgresql");
        a.SetTag("db.namespace", "app");
        a.SetTag("db.query.text", "UPDATE t SET name = 'bob' WHERE id = $1");

        LibrarySpanProcessor.NormalizeDatabase(a, "postgresql");

        Assert.Equal("postgresql", a.GetTagItem("db.system.name"));
        Assert.Equal("postgresql", a.GetTagItem("db.system"));
        Assert.Equal("UPDATE t SET name = ? WHERE id = $1", a.GetTagItem("db.query.text"));
        Assert.Equal("postgresql", a.DisplayName);
    }

    [Theory]
    [InlineData("publish", ActivityKind.Producer, "send")]
    [InlineData("receive", ActivityKind.Consumer, "receive")]
    [InlineData("process", ActivityKind.Consumer, "process")]
    [InlineData(null, ActivityKind.Producer, "send")]
    [InlineData(null, ActivityKind.Consumer, "process")]
    public void NormalizeMessaging_OldOperation_OperationType(string? operation, ActivityKind kind, string expected)
    {
        using var source = new ActivitySource("Test.Messaging");
        using var a = source.StartActivity("m", kind)!;
        a.SetTag("messaging.operation", operation);
        a.SetTag("messaging.destination", "orders");

        LibrarySpanProcessor.NormalizeMessaging(a, "rabbitmq");

        Assert.Equal(expected, a.GetTagItem("messaging.operation.type"));
        Assert.Equal("rabbitmq", a.GetTagItem("messaging.system"));
        Assert.Equal("orders", a.GetTagItem("messaging.destination.name"));
    }

    [Fact]
    public void NormalizeGrpc_GrpcMethodTag_RpcAttributesAndName()
    {
        using var source = new ActivitySource("Test.Grpc");
        using var a = source.StartActivity("Grpc.Net.Client.GrpcOut", ActivityKind.Client)!;
        a.SetTag("grpc.method", "/greet.Greeter/SayHello");
        a.SetTag("grpc.status_code", "5");

        LibrarySpanProcessor.NormalizeGrpc(a);

        Assert.Equal("grpc", a.GetTagItem("rpc.system"));
        Assert.Equal("greet.Greeter", a.GetTagItem("rpc.service"));
        Assert.Equal("SayHello", a.GetTagItem("rpc.method"));
        Assert.Equal(5, a.GetTagItem("rpc.grpc.status_code"));
        Assert.Equal("greet.Greeter/SayHello", a.DisplayName);
    }

    [Theory]
    [InlineData("tcp://db.local:5433", "db.local", 5433)]
    [InlineData("db.local:3306", "db.local", 3306)]
    [InlineData("tcp:sql.local,1433", "sql.local", 1433)]
    [InlineData("sql.local,1433", "sql.local", 1433)]
    [InlineData("sql.local", "sql.local", null)]
    public void AddServer_DataSourceForms_AddressAndPort(string dataSource, string address, int? port)
    {
        using var source = new ActivitySource("Test.Server");
        using var a = source.StartActivity("x")!;
        EntityFrameworkCoreInstrumentation.AddServer(a, dataSource);
        Assert.Equal(address, a.GetTagItem("server.address"));
        Assert.Equal(port, a.GetTagItem("server.port"));
    }

    [Fact]
    public void EntityFrameworkCore_CommandEvents_OneSanitisedSpanPerCommand()
    {
        using var instrumentation = EntityFrameworkCoreInstrumentation.Start(["SomeOtherProvider"]);
        using var listener = new DiagnosticListener(EntityFrameworkCoreInstrumentation.ListenerName);
        var id = Guid.NewGuid();
        var command = new FakeCommand { CommandText = "SELECT * FROM items WHERE price > 10" };

        listener.Write("Microsoft.EntityFrameworkCore.Database.Command.CommandExecuting", new FakePayload(command, id));
        listener.Write("Microsoft.EntityFrameworkCore.Database.Command.CommandExecuted", new FakePayload(command, id));

        var span = Assert.Single(Stopped(), a => a.Source.Name == InstrumentationCatalog.EntityFrameworkCoreSource);
        Assert.Equal(ActivityKind.Client, span.Kind);
        Assert.Equal("SELECT * FROM items WHERE price > ?", span.GetTagItem("db.query.text"));
        Assert.Equal("SELECT", span.GetTagItem("db.operation.name"));
        Assert.Equal("other_sql", span.GetTagItem("db.system"));
    }

    [Fact]
    public void EntityFrameworkCore_CommandError_SpanMarkedAsError()
    {
        using var instrumentation = EntityFrameworkCoreInstrumentation.Start([]);
        using var listener = new DiagnosticListener(EntityFrameworkCoreInstrumentation.ListenerName);
        var id = Guid.NewGuid();
        var command = new FakeCommand { CommandText = "DELETE FROM t" };

        listener.Write("Microsoft.EntityFrameworkCore.Database.Command.CommandExecuting", new FakePayload(command, id));
        listener.Write("Microsoft.EntityFrameworkCore.Database.Command.CommandError", new FakeErrorPayload(command, id, new InvalidOperationException("deadlock")));

        var span = Assert.Single(Stopped(), a => a.Source.Name == InstrumentationCatalog.EntityFrameworkCoreSource);
        Assert.Equal(ActivityStatusCode.Error, span.Status);
        Assert.Contains(span.Events, e => e.Name == "exception");
    }

    [Fact]
    public void EntityFrameworkCore_PayloadThatThrows_InstrumentationOffAppUnaffected()
    {
        using var instrumentation = EntityFrameworkCoreInstrumentation.Start([]);
        using var listener = new DiagnosticListener(EntityFrameworkCoreInstrumentation.ListenerName);

        // Would propagate into the app's EF call if the instrumentation let it.
        var ex = Record.Exception(() => listener.Write("Microsoft.EntityFrameworkCore.Database.Command.CommandExecuting", new ThrowingPayload()));

        Assert.Null(ex);
        Assert.True(InstrumentationGuard.IsDisabled(InstrumentationCatalog.EntityFrameworkCore));
        listener.Write("Microsoft.EntityFrameworkCore.Database.Command.CommandExecuting", new FakePayload(new FakeCommand { CommandText = "SELECT 1" }, Guid.NewGuid()));
        Assert.DoesNotContain(Stopped(), a => a.Source.Name == InstrumentationCatalog.EntityFrameworkCoreSource);
    }

    [Theory]
    [InlineData("StackExchange.Redis", "9.0.0.0", false)]
    [InlineData("StackExchange.Redis", "2.0.0.0", true)]
    [InlineData("RabbitMQ.Client", "6.0.0.0", false)]
    [InlineData("Unrelated.Library", "1.0.0.0", true)]
    public void IsKnownVersion_AssemblyVersion_KnownRangeOnly(string name, string version, bool known)
    {
        var id = name switch
        {
            "StackExchange.Redis" => InstrumentationCatalog.StackExchangeRedis,
            "RabbitMQ.Client" => InstrumentationCatalog.RabbitMq,
            _ => "NONE",
        };
        var assembly = AssemblyBuilder.DefineDynamicAssembly(new AssemblyName(name) { Version = new Version(version) }, AssemblyBuilderAccess.Run);
        Assert.Equal(known, InstrumentationGuard.IsKnownVersion(id, assembly));
    }

    private List<Activity> Stopped()
    {
        lock (_stopped)
        {
            return [.. _stopped];
        }
    }

    [SuppressMessage("Design", "CA1034", Justification = "Payload shape as EF Core's.")]
    public class FakePayload(DbCommand command, Guid commandId)
    {
        public DbCommand Command { get; } = command;

        public Guid CommandId { get; } = commandId;
    }

    public sealed class FakeErrorPayload(DbCommand command, Guid commandId, Exception exception) : FakePayload(command, commandId)
    {
        public Exception Exception { get; } = exception;
    }

    public sealed class ThrowingPayload
    {
        public DbCommand Command => throw new InvalidOperationException("payload broke");

        public Guid CommandId => Guid.Empty;
    }

    [SuppressMessage("Security", "CA2100", Justification = "Test double.")]
    private sealed class FakeCommand : DbCommand
    {
        [AllowNull]
        public override string CommandText { get; set; } = string.Empty;

        public override int CommandTimeout { get; set; }

        public override CommandType CommandType { get; set; }

        public override bool DesignTimeVisible { get; set; }

        public override UpdateRowSource UpdatedRowSource { get; set; }

        protected override DbConnection? DbConnection { get; set; }

        protected override DbParameterCollection DbParameterCollection => throw new NotSupportedException();

        protected override DbTransaction? DbTransaction { get; set; }

        public override void Cancel()
        {
        }

        public override int ExecuteNonQuery() => 0;

        public override object? ExecuteScalar() => null;

        public override void Prepare()
        {
        }

        protected override DbParameter CreateDbParameter() => throw new NotSupportedException();

        protected override DbDataReader ExecuteDbDataReader(CommandBehavior behavior) => throw new NotSupportedException();
    }
}
