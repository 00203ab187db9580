using System.Diagnostics;
using Xunit;

namespace CloudWatchApm.Cli.Tests;

public sealed class RunCommandTests : IDisposable
{
    private readonly TempDirectory _temp = new();
    private readonly string _home;
    private readonly string _bin;

    public RunCommandTests()
    {
        _home = TestHomes.Create(_temp.Combine("home"));
        _bin = _temp.Combine("bin");
        Directory.CreateDirectory(_bin);
        var app = Path.Combine(_bin, "myapp");
        File.WriteAllText(app, "#!/bin/sh\n");
        TestHomes.MakeExecutable(app);
    }

    public void Dispose() => _temp.Dispose();

    private CliRun NewRun()
    {
        var run = new CliRun();
        run.Environment.Variables["OTEL_DOTNET_AUTO_HOME"] = _home;
        run.Environment.Variables["PATH"] = _bin + ":/usr/bin:/bin";
        return run;
    }

    [Fact]
    public void Run_DashedOptionAndSeparator_ExecsCommandOnPathWithVariables()
    {
        var run = NewRun();

        var code = run.Invoke("run", "--service-name", "orders", "--", "myapp", "--port", "80");

        Assert.Equal(0, code);
        Assert.Equal(Path.Combine(_bin, "myapp"), run.Exec.Path);
        Assert.Equal(["myapp", "--port", "80"], run.Exec.Argv);
        var env = run.Exec.Environment!;
        Assert.Equal("orders", env["OTEL_SERVICE_NAME"]);
        Assert.Equal(_home + "/hook/CloudWatchApm.Agent.StartupHook.dll", env["DOTNET_STARTUP_HOOKS"]);
        Assert.Equal(_home + "/additional-deps", env["DOTNET_ADDITIONAL_DEPS"]);
        Assert.Equal(_home + "/store", env["DOTNET_SHARED_STORE"]);
        Assert.Equal(_home, env["OTEL_DOTNET_AUTO_HOME"]);
        Assert.Equal(_bin + ":/usr/bin:/bin", env["PATH"]);
    }

    [Theory]
    [InlineData("--service_name=orders")]
    [InlineData("--service-name=orders")]
    [InlineData("--SERVICE_NAME=orders")]
    public void Run_UnderscoreAndEqualsSpellings_SetServiceName(string option)
    {
        var run = NewRun();

        Assert.Equal(0, run.Invoke("run", option, "myapp"));

        Assert.Equal("orders", run.Exec.Environment!["OTEL_SERVICE_NAME"]);
    }

    [Fact]
    public void Run_UnderscoreSpellingWithSeparateValue_SetsExporters()
    {
        var run = NewRun();

        Assert.Equal(0, run.Invoke("run", "--traces_exporter", "console", "--metrics_exporter", "none", "--logs-exporter=otlp", "myapp"));

        var env = run.Exec.Environment!;
        Assert.Equal("console", env["OTEL_TRACES_EXPORTER"]);
        Assert.Equal("none", env["OTEL_METRICS_EXPORTER"]);
        Assert.Equal("otlp", env["OTEL_LOGS_EXPORTER"]);
    }

    [Fact]
    public void Run_FlagAndEnvironmentDisagree_FlagWins()
    {
        var run = NewRun();
        run.Environment.Variables["OTEL_SERVICE_NAME"] = "from-env";
        run.Environment.Variables["OTEL_EXPORTER_OTLP_ENDPOINT"] = "http://env:4317";
        run.Environment.Variables["OTEL_TRACES_SAMPLER"] = "always_on";

        Assert.Equal(0, run.Invoke("run", "--service-name", "from-flag", "--endpoint", "http://flag:4317", "myapp"));

        var env = run.Exec.Environment!;
        Assert.Equal("from-flag", env["OTEL_SERVICE_NAME"]);
        Assert.Equal("http://flag:4317", env["OTEL_EXPORTER_OTLP_ENDPOINT"]);
        Assert.Equal("always_on", env["OTEL_TRACES_SAMPLER"]);
    }

    [Fact]
    public void Run_EveryOtelFlag_SetsItsVariable()
    {
        var run = NewRun();

        Assert.Equal(0, run.Invoke(
            "run", "--service-version", "1.2.3", "--protocol", "http/protobuf", "--headers", "api-key=secret", "--sampler", "parentbased_traceidratio",
            "--sampler-arg", "0.25", "--propagators", "tracecontext,baggage,xray", "myapp"));

        var env = run.Exec.Environment!;
        Assert.Equal("1.2.3", env["OTEL_SERVICE_VERSION"]);
        Assert.Equal("http/protobuf", env["OTEL_EXPORTER_OTLP_PROTOCOL"]);
        Assert.Equal("api-key=secret", env["OTEL_EXPORTER_OTLP_HEADERS"]);
        Assert.Equal("parentbased_traceidratio", env["OTEL_TRACES_SAMPLER"]);
        Assert.Equal("0.25", env["OTEL_TRACES_SAMPLER_ARG"]);
        Assert.Equal("tracecontext,baggage,xray", env["OTEL_PROPAGATORS"]);
    }

    [Fact]
    public void Run_RepeatedSet_SetsEachVariableAndLastWins()
    {
        var run = NewRun();

        Assert.Equal(0, run.Invoke("run", "--set", "OTEL_DOTNET_AUTO_TRACES_SQLCLIENT_INSTRUMENTATION_ENABLED=false", "--set=AWS_REGION=eu-west-1", "--set", "AWS_REGION=us-east-1", "myapp"));

        var env = run.Exec.Environment!;
        Assert.Equal("false", env["OTEL_DOTNET_AUTO_TRACES_SQLCLIENT_INSTRUMENTATION_ENABLED"]);
        Assert.Equal("us-east-1", env["AWS_REGION"]);
    }

    [Theory]
    [InlineData("novalue")]
    [InlineData("=x")]
    [InlineData("1BAD=x")]
    public void Run_MalformedSet_IsUsageError(string value)
    {
        var run = NewRun();

        Assert.Equal(2, run.Invoke("run", "--set", value, "myapp"));

        Assert.Contains("--set", run.Console.ErrorText, StringComparison.Ordinal);
        Assert.Null(run.Exec.Path);
    }

    [Fact]
    public void Run_DeploymentEnvironmentAndResourceAttributes_MergeWithExisting()
    {
        var run = NewRun();
        run.Environment.Variables["OTEL_RESOURCE_ATTRIBUTES"] = "team=payments,deployment.environment.name=dev";

        Assert.Equal(0, run.Invoke("run", "--deployment-environment", "prod east", "--resource-attributes", "region=eu,team=core", "myapp"));

        Assert.Equal("team=core,deployment.environment.name=prod%20east,region=eu", run.Exec.Environment!["OTEL_RESOURCE_ATTRIBUTES"]);
    }

    [Fact]
    public void Run_ExistingStartupHook_IsKeptAndOursAppendedOnce()
    {
        var run = NewRun();
        var ours = _home + "/hook/CloudWatchApm.Agent.StartupHook.dll";
        run.Environment.Variables["DOTNET_STARTUP_HOOKS"] = "/other/Hook.dll";
        run.Environment.Variables["DOTNET_SHARED_STORE"] = _home + "/store";

        Assert.Equal(0, run.Invoke("run", "myapp"));
        Assert.Equal("/other/Hook.dll:" + ours, run.Exec.Environment!["DOTNET_STARTUP_HOOKS"]);
        Assert.Equal(_home + "/store", run.Exec.Environment!["DOTNET_SHARED_STORE"]);

        run.Environment.Variables["DOTNET_STARTUP_HOOKS"] = "/other/Hook.dll:" + ours;
        Assert.Equal(0, run.Invoke("run", "myapp"));
        Assert.Equal("/other/Hook.dll:" + ours, run.Exec.Environment!["DOTNET_STARTUP_HOOKS"]);
    }

    [Fact]
    public void Run_HookFromAnotherHome_IsReplacedSoTheAgentLoadsOnce()
    {
        var run = NewRun();
        run.Environment.Variables["DOTNET_STARTUP_HOOKS"] = "/opt/old-cwapm/hook/CloudWatchApm.Agent.StartupHook.dll:/x/Other.dll";

        Assert.Equal(0, run.Invoke("run", "myapp"));

        Assert.Equal("/x/Other.dll:" + _home + "/hook/CloudWatchApm.Agent.StartupHook.dll", run.Exec.Environment!["DOTNET_STARTUP_HOOKS"]);
    }

    [Fact]
    public void Run_CommandWithoutSeparator_KeepsTheCommandsOwnOptions()
    {
        var run = NewRun();

        Assert.Equal(0, run.Invoke("run", "--service-name", "a", "myapp", "--service-name", "b", "--", "x"));

        Assert.Equal(["myapp", "--service-name", "b", "--", "x"], run.Exec.Argv);
        Assert.Equal("a", run.Exec.Environment!["OTEL_SERVICE_NAME"]);
    }

    [Fact]
    public void Run_CommandStartingWithDash_NeedsSeparator()
    {
        var run = NewRun();
        var dashed = Path.Combine(_bin, "-odd");
        File.WriteAllText(dashed, "#!/bin/sh\n");
        TestHomes.MakeExecutable(dashed);

        Assert.Equal(2, run.Invoke("run", "-odd"));
        Assert.Equal(0, run.Invoke("run", "--", "-odd"));
        Assert.Equal(dashed, run.Exec.Path);
    }

    [Fact]
    public void Run_UnknownOption_IsUsageErrorNamingItAndClosest()
    {
        var run = NewRun();

        Assert.Equal(2, run.Invoke("run", "--servce-name", "x", "--", "myapp"));

        Assert.Contains("unknown option '--servce-name'", run.Console.ErrorText, StringComparison.Ordinal);
        Assert.Contains("did you mean '--service-name'", run.Console.ErrorText, StringComparison.Ordinal);
        Assert.Null(run.Exec.Path);
    }

    [Fact]
    public void Run_UnknownUnderscoreOption_SuggestsDashedName()
    {
        var run = NewRun();

        Assert.Equal(2, run.Invoke("run", "--trace_exporter=console", "myapp"));

        Assert.Contains("'--trace_exporter'", run.Console.ErrorText, StringComparison.Ordinal);
        Assert.Contains("'--traces-exporter'", run.Console.ErrorText, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_MissingCommand_IsUsageError()
    {
        var run = NewRun();

        Assert.Equal(2, run.Invoke("run", "--service-name", "x"));
        Assert.Contains("missing command", run.Console.ErrorText, StringComparison.Ordinal);

        Assert.Equal(2, run.Invoke("run", "--service-name", "x", "--"));
    }

    [Fact]
    public void Run_OptionWithoutValue_IsUsageError()
    {
        var run = NewRun();

        Assert.Equal(2, run.Invoke("run", "--service-name"));

        Assert.Contains("option '--service-name' needs a value", run.Console.ErrorText, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_CommandNotOnPath_Exits127LikeAShell()
    {
        var run = NewRun();

        Assert.Equal(127, run.Invoke("run", "--", "no-such-command-cwapm"));

        Assert.Contains("no-such-command-cwapm: command not found", run.Console.ErrorText, StringComparison.Ordinal);
        Assert.Null(run.Exec.Path);
    }

    [Fact]
    public void Run_NoAgentHome_ExitsOneWithWhatToDo()
    {
        var run = new CliRun();
        run.Environment.Variables["PATH"] = _bin;

        Assert.Equal(1, run.Invoke("run", "myapp"));

        Assert.Contains("cwapm install", run.Console.ErrorText, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_HomeOptionNotAHome_ExitsOneWithoutExec()
    {
        var run = NewRun();

        Assert.Equal(1, run.Invoke("run", "--home", _bin, "myapp"));

        Assert.Contains("is not an agent home", run.Console.ErrorText, StringComparison.Ordinal);
        Assert.Null(run.Exec.Path);
    }

    [Fact]
    public void Run_HomeFoundFromOwnFolder_WhenNoVariable()
    {
        var run = new CliRun();
        run.Environment.Variables["PATH"] = _bin;
        run.Environment.BaseDirectory = Path.Combine(_home, "cli") + "/";

        Assert.Equal(0, run.Invoke("run", "myapp"));

        Assert.Equal(_home, run.Exec.Environment!["OTEL_DOTNET_AUTO_HOME"]);
    }

    [Fact]
    public void Run_RealExec_ReplacesProcessKeepingPidExitCodeAndOutput()
    {
        var cli = Path.Combine(Path.GetDirectoryName(typeof(CliApp).Assembly.Location)!, "cwapm.dll");
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { cli, "run", "--service-name", "exec-test", "--", "sh", "-c", "echo \"$$|$OTEL_SERVICE_NAME|$DOTNET_STARTUP_HOOKS\"; exit 7" })
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["OTEL_DOTNET_AUTO_HOME"] = _home;
        start.Environment.Remove("DOTNET_STARTUP_HOOKS");

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd();
        var error = process.StandardError.ReadToEnd();
        Assert.True(process.WaitForExit(60_000), "cwapm run did not finish");

        Assert.Equal(7, process.ExitCode);
        Assert.Equal(process.Id + "|exec-test|" + _home + "/hook/CloudWatchApm.Agent.StartupHook.dll", output.Trim());
        Assert.Equal(string.Empty, error);
    }

    [Fact]
    public void Run_RealExecOfMissingFile_Exits127WithReason()
    {
        var cli = Path.Combine(Path.GetDirectoryName(typeof(CliApp).Assembly.Location)!, "cwapm.dll");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var arg in new[] { cli, "run", "--", "/nonexistent/cwapm-test-app" })
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["OTEL_DOTNET_AUTO_HOME"] = _home;
        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEnd();
        process.StandardOutput.ReadToEnd();
        Assert.True(process.WaitForExit(60_000));

        Assert.Equal(127, process.ExitCode);
        Assert.Contains("cannot execute /nonexistent/cwapm-test-app: No such file or directory", error, StringComparison.Ordinal);
    }
}
