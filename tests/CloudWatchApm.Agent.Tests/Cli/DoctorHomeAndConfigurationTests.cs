using Xunit;

namespace CloudWatchApm.Cli.Tests;

public sealed class DoctorHomeAndConfigurationTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void Home_Intact_IsOk()
    {
        var home = TestHomes.Create(_temp.Combine("home"), "1.2.3");

        var result = HomeCheck.Run(home, null);

        Assert.Equal(CheckStatus.Ok, result.Status);
        Assert.Contains("(version 1.2.3): 13 files match checksums.sha256", result.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void Home_TamperedAndMissingFiles_FailNamingEach()
    {
        var home = TestHomes.Create(_temp.Combine("home"));
        File.AppendAllText(Path.Combine(home, "agent", "net10.0", "CloudWatchApm.Agent.dll"), "patched");
        File.Delete(Path.Combine(home, "LICENSE"));
        File.WriteAllText(Path.Combine(home, "agent", "net10.0", "extra.dll"), "x");

        var result = HomeCheck.Run(home, null);

        Assert.Equal(CheckStatus.Fail, result.Status);
        Assert.Contains("is damaged: 1 missing, 1 changed", result.Summary, StringComparison.Ordinal);
        Assert.Contains("changed since the build: agent/net10.0/CloudWatchApm.Agent.dll", result.Details);
        Assert.Contains("missing: LICENSE", result.Details);
        Assert.Contains("not listed in checksums.sha256: agent/net10.0/extra.dll", result.Details);
        Assert.Contains("cwapm install", result.Fix, StringComparison.Ordinal);
    }

    [Fact]
    public void Home_NotFound_FailsWithInstallAdvice()
    {
        var result = HomeCheck.Run(null, "agent home not found: x");

        Assert.Equal(CheckStatus.Fail, result.Status);
        Assert.Contains("cwapm install", result.Fix, StringComparison.Ordinal);
    }

    [Fact]
    public void Doctor_TamperedHome_ExitsOneAndSaysWhatToDo()
    {
        var home = TestHomes.Create(_temp.Combine("home"));
        File.WriteAllText(Path.Combine(home, "hook", "CloudWatchApm.Agent.StartupHook.dll"), "evil");
        var run = new CliRun();
        run.Environment.Variables["OTEL_TRACES_EXPORTER"] = "console";

        Assert.Equal(1, run.Invoke("doctor", "--home", home));

        var text = run.Console.OutText;
        Assert.Contains("[FAIL] agent home: " + home, text, StringComparison.Ordinal);
        Assert.Contains("changed since the build: hook/CloudWatchApm.Agent.StartupHook.dll", text, StringComparison.Ordinal);
        Assert.Contains("       fix: Reinstall it", text, StringComparison.Ordinal);
        Assert.Contains("[skip] collector: OTEL_TRACES_EXPORTER=console", text, StringComparison.Ordinal);
        Assert.Contains("1 check failed", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Doctor_EverythingFine_ExitsZero()
    {
        var home = TestHomes.Create(_temp.Combine("home"));
        var run = new CliRun();
        run.Environment.Variables["OTEL_DOTNET_AUTO_HOME"] = home;
        run.Environment.Variables["OTEL_TRACES_EXPORTER"] = "none";

        Assert.Equal(0, run.Invoke("doctor"));

        Assert.Contains("[ ok ] agent home", run.Console.OutText, StringComparison.Ordinal);
        Assert.Contains("[ ok ] configuration", run.Console.OutText, StringComparison.Ordinal);
        Assert.Contains("No problems found", run.Console.OutText, StringComparison.Ordinal);
    }

    [Fact]
    public void ConfigurationCheck_ManyMistakes_EveryProblemAtOnceInTheAgentsOwnWords()
    {
        var environment = new Dictionary<string, string>
        {
            ["OTEL_SDK_DISABLED"] = "yes",
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/json",
            ["OTEL_EXPORTER_OTLP_TRACES_PROTOCOL"] = "grcp",
            ["OTEL_TRACES_EXPORTER"] = "otlp,zipkin",
            ["OTEL_TRACES_SAMPLER"] = "parentbased_traceidratio",
            ["OTEL_TRACES_SAMPLER_ARG"] = "1.5",
            ["OTEL_PROPAGATORS"] = "tracecontext,w3c",
            ["OTEL_BSP_MAX_QUEUE_SIZE"] = "100",
            ["OTEL_BSP_MAX_EXPORT_BATCH_SIZE"] = "200",
            ["OTEL_EXPORTER_OTLP_TIMEOUT"] = "10s",
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = "localhost:4317",
            ["OTEL_DOTNET_AUTO_TRACES_NPGSQL_INSTRUMENTATION_ENABLED"] = "off",
            ["OTEL_RESOURCE_ATTRIBUTES"] = "a=b,broken",
            ["OTEL_EXPORTER_OTLP_CERTIFICATE"] = "/nonexistent/ca.pem",
        };

        var result = DoctorCommand.ConfigurationCheck(environment, null);

        // The agent's validation, not a copy of it: the same lines the agent logs at startup.
        var agent = CloudWatchApm.Agent.Configuration.AgentSettings.Load(
            new CloudWatchApm.Agent.Configuration.DictionaryEnvironment(environment.ToDictionary(p => p.Key, p => (string?)p.Value)), null).Problems;
        Assert.Equal(CheckStatus.Fail, result.Status);
        Assert.Equal(12, agent.Count);
        Assert.Equal($"{agent.Count} problems in the configuration", result.Summary);
        Assert.Equal(agent, result.Details.Take(agent.Count));
        foreach (var key in environment.Keys.Except(["OTEL_TRACES_SAMPLER", "OTEL_BSP_MAX_QUEUE_SIZE"]))
        {
            Assert.Contains(agent, p => p.StartsWith(key + "=", StringComparison.Ordinal) || p.StartsWith(key + " ", StringComparison.Ordinal));
        }
    }

    [Fact]
    public void ConfigurationCheck_GoodValues_NoProblems()
    {
        var environment = new Dictionary<string, string>
        {
            ["OTEL_SDK_DISABLED"] = "FALSE",
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
            ["OTEL_TRACES_EXPORTER"] = "otlp,console",
            ["OTEL_TRACES_SAMPLER"] = "traceidratio",
            ["OTEL_TRACES_SAMPLER_ARG"] = "0.5",
            ["OTEL_PROPAGATORS"] = "tracecontext,baggage,xray",
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = "https://collector:4318",
            ["OTEL_EXPORTER_OTLP_HEADERS"] = "api-key=secret",
            ["OTEL_LOG_LEVEL"] = "debug",
            ["OTEL_METRIC_EXPORT_INTERVAL"] = "60000",
        };

        var result = DoctorCommand.ConfigurationCheck(environment, null);

        Assert.Equal(CheckStatus.Ok, result.Status);
        Assert.Equal("10 OTEL_* variables set, no problems (unset ones take the agent's defaults)", result.Summary);
    }

    [Fact]
    public void ConfigurationCheck_MissingStartupHookFile_IsAProblem()
    {
        var result = DoctorCommand.ConfigurationCheck(new Dictionary<string, string> { ["DOTNET_STARTUP_HOOKS"] = "/nonexistent/Hook.dll" }, null);

        Assert.Equal(CheckStatus.Fail, result.Status);
        Assert.Contains(result.Details, d => d.Contains("'/nonexistent/Hook.dll', which does not exist: every .NET app started with this environment fails to start", StringComparison.Ordinal));
    }

    [Fact]
    public void ConfigurationCheck_Headers_AreRedacted()
    {
        var environment = new Dictionary<string, string> { ["OTEL_EXPORTER_OTLP_HEADERS"] = "api-key=topsecret,broken", ["OTEL_SERVICE_NAME"] = "x" };

        var result = DoctorCommand.ConfigurationCheck(environment, null);

        Assert.Equal(CheckStatus.Fail, result.Status);
        Assert.DoesNotContain(result.Details, d => d.Contains("topsecret", StringComparison.Ordinal));
        Assert.Contains("set: OTEL_EXPORTER_OTLP_HEADERS=api-key=***,***", result.Details);
    }
}
