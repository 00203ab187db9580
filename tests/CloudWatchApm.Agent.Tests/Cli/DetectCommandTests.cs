using Xunit;

namespace CloudWatchApm.Cli.Tests;

public sealed class DetectCommandTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void Detect_WebAppWithLibraries_ListsInstrumentationsSwitchesAndUncovered()
    {
        var app = TestApps.Create(
            _temp.Combine("Orders"),
            "Orders",
            TestApps.RuntimeConfig("net8.0", "Microsoft.AspNetCore.App", "8.0.0"),
            TestApps.DepsJson("Orders", ("Npgsql", "8.0.3"), ("Microsoft.EntityFrameworkCore", "8.0.4"), ("StackExchange.Redis", "2.7.33"), ("Dapper", "2.1.35"), ("MongoDB.Driver", "2.25.0"), ("AWSSDK.Core", "4.0.0")));
        var run = new CliRun();

        Assert.Equal(0, run.Invoke("detect", app));

        var lines = run.Console.OutText.Split('\n');
        string Line(string id) => Assert.Single(lines, l => l.StartsWith("  " + id + " ", StringComparison.Ordinal));
        Assert.Contains("Microsoft.AspNetCore.App (framework)", Line("ASPNETCORE"), StringComparison.Ordinal);
        Assert.EndsWith("OTEL_DOTNET_AUTO_TRACES_ASPNETCORE_INSTRUMENTATION_ENABLED", Line("ASPNETCORE"), StringComparison.Ordinal);
        Assert.EndsWith("OTEL_DOTNET_AUTO_TRACES_HTTPCLIENT_INSTRUMENTATION_ENABLED", Line("HTTPCLIENT"), StringComparison.Ordinal);
        Assert.Contains("Npgsql 8.0.3", Line("NPGSQL"), StringComparison.Ordinal);
        Assert.EndsWith("OTEL_DOTNET_AUTO_TRACES_NPGSQL_INSTRUMENTATION_ENABLED", Line("NPGSQL"), StringComparison.Ordinal);
        Assert.Contains("Microsoft.EntityFrameworkCore 8.0.4", Line("ENTITYFRAMEWORKCORE"), StringComparison.Ordinal);
        Assert.Contains("StackExchange.Redis 2.7.33", Line("STACKEXCHANGEREDIS"), StringComparison.Ordinal);
        Assert.Contains("AWSSDK.Core 4.0.0", Line("AWSSDK"), StringComparison.Ordinal);
        Assert.EndsWith("OTEL_DOTNET_AUTO_LOGS_ILOGGER_INSTRUMENTATION_ENABLED", Line("ILOGGER"), StringComparison.Ordinal);
        Assert.DoesNotContain(lines, l => l.StartsWith("  SQLCLIENT", StringComparison.Ordinal) || l.StartsWith("  RABBITMQ", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("  Dapper 2.1.35: covered through the ADO.NET provider", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("  MongoDB.Driver 2.25.0: not covered", StringComparison.Ordinal));
        Assert.Contains("7 instrumentations apply to Orders.", run.Console.OutText, StringComparison.Ordinal);
    }

    [Fact]
    public void Detect_ConsoleApp_OnlyHttpClientAndPackagesItHas()
    {
        var app = TestApps.Create(
            _temp.Combine("Worker"),
            "Worker",
            TestApps.RuntimeConfig("net10.0", "Microsoft.NETCore.App", "10.0.0"),
            TestApps.DepsJson("Worker", ("System.Data.SqlClient", "4.8.6"), ("Confluent.Kafka", "2.4.0")));
        var run = new CliRun();

        Assert.Equal(0, run.Invoke("detect", Path.Combine(app, "Worker.dll")));

        var text = run.Console.OutText;
        Assert.Contains("  SQLCLIENT ", text, StringComparison.Ordinal);
        Assert.Contains("System.Data.SqlClient 4.8.6", text, StringComparison.Ordinal);
        Assert.DoesNotContain("ASPNETCORE", text, StringComparison.Ordinal);
        Assert.DoesNotContain("ILOGGER", text, StringComparison.Ordinal);
        Assert.Contains("Confluent.Kafka 2.4.0: not covered", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Detect_FolderWithoutApp_ExitsOne()
    {
        var run = new CliRun();
        Directory.CreateDirectory(_temp.Combine("empty"));

        Assert.Equal(1, run.Invoke("detect", _temp.Combine("empty")));

        Assert.Contains("no .NET app found", run.Console.ErrorText, StringComparison.Ordinal);
    }

    [Fact]
    public void Detect_Table_UsesOneSwitchPerIdFromConfigurationKeys()
    {
        foreach (var instrumentation in Instrumentations.All)
        {
            Assert.Equal("OTEL_DOTNET_AUTO_" + instrumentation.Signal + "_" + instrumentation.Id + "_INSTRUMENTATION_ENABLED", instrumentation.SwitchKey);
        }

        Assert.Equal(Instrumentations.All.Length, Instrumentations.All.Select(i => i.Id).Distinct().Count());
    }
}
