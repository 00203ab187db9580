using CloudWatchApm.Cli.Commands;
using CloudWatchApm.Cli.Doctor;
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
    public void Validator_ManyMistakes_ReportsEveryOneAtOnce()
    {
        var environment = new Dictionary<string, string>
        {
            ["OTEL_SDK_DISABLED"] = "yes",
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/json",
            ["OTEL_EXPORTER_OTLP_TRACES_PROTOCOL"] = "grcp",
            ["OTEL_TRACES_EXPORTER"] = "otlp,zipkin",
            ["OTEL_METRICS_EXPORTER"] = "none,otlp",
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

        var problems = new SimpleConfigurationValidator().Validate(environment);

        var keys = problems.Select(p => p.Key).ToList();
        Assert.Equal(
            new[]
            {
                "OTEL_SDK_DISABLED", "OTEL_DOTNET_AUTO_TRACES_NPGSQL_INSTRUMENTATION_ENABLED", "OTEL_TRACES_EXPORTER", "OTEL_METRICS_EXPORTER",
                "OTEL_EXPORTER_OTLP_PROTOCOL", "OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_CERTIFICATE", "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL",
                "OTEL_TRACES_SAMPLER_ARG", "OTEL_PROPAGATORS", "OTEL_EXPORTER_OTLP_TIMEOUT", "OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "OTEL_RESOURCE_ATTRIBUTES",
            },
            keys);
        Assert.Contains("did you mean 'grpc'?", problems.Single(p => p.Key == "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL").Message, StringComparison.Ordinal);
        Assert.Contains("unknown: zipkin", problems.Single(p => p.Key == "OTEL_TRACES_EXPORTER").Message, StringComparison.Ordinal);
        Assert.Contains("'none' cannot be combined", problems.Single(p => p.Key == "OTEL_METRICS_EXPORTER").Message, StringComparison.Ordinal);
        Assert.Contains("must not exceed OTEL_BSP_MAX_QUEUE_SIZE (100)", problems.Single(p => p.Key == "OTEL_BSP_MAX_EXPORT_BATCH_SIZE").Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validator_GoodValues_NoProblems()
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

        Assert.Empty(new SimpleConfigurationValidator().Validate(environment));
    }

    [Fact]
    public void Validator_MissingStartupHookFile_IsAProblem()
    {
        var problems = new SimpleConfigurationValidator().Validate(new Dictionary<string, string> { ["DOTNET_STARTUP_HOOKS"] = "/nonexistent/Hook.dll" });

        Assert.Contains("every .NET app started with this environment fails to start", Assert.Single(problems).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ConfigurationCheck_Headers_AreRedacted()
    {
        var environment = new Dictionary<string, string> { ["OTEL_EXPORTER_OTLP_HEADERS"] = "api-key=topsecret,broken", ["OTEL_SERVICE_NAME"] = "x" };

        var result = DoctorCommand.ConfigurationCheck(new SimpleConfigurationValidator(), environment, null);

        Assert.Equal(CheckStatus.Fail, result.Status);
        Assert.DoesNotContain(result.Details, d => d.Contains("topsecret", StringComparison.Ordinal));
        Assert.Contains("set: OTEL_EXPORTER_OTLP_HEADERS=api-key=***,***", result.Details);
    }

    [Fact]
    public void ConfigurationCheck_UsesTheValidatorSeam()
    {
        var result = DoctorCommand.ConfigurationCheck(new FixedValidator(), new Dictionary<string, string>(), null);

        Assert.Equal(CheckStatus.Fail, result.Status);
        Assert.Contains("OTEL_X=1: from the agent's validator", result.Details);
    }

    private sealed class FixedValidator : IConfigurationValidator
    {
        public IReadOnlyList<ConfigurationProblem> Validate(IReadOnlyDictionary<string, string> environment) => [new("OTEL_X", "1", "from the agent's validator")];
    }
}
