using System.Text.Json;
using Xunit;

namespace CloudWatchApm.Cli.Tests;

public sealed class DoctorAppTests : IDisposable
{
    private readonly TempDirectory _temp = new();
    private readonly string _home;

    public DoctorAppTests()
    {
        _home = TestHomes.Create(_temp.Combine("home"));
    }

    public void Dispose() => _temp.Dispose();

    private string App(string name, string runtimeConfig, string? deps = null) => TestApps.Create(_temp.Combine(name), name, runtimeConfig, deps);

    [Fact]
    public void App_FrameworkDependentNet8_CanBeInstrumentedWithAdditionalDeps()
    {
        var result = AppCheck.Run(App("Api", TestApps.RuntimeConfig("net8.0", "Microsoft.AspNetCore.App", "8.0.0")), _home);

        Assert.Equal(CheckStatus.Ok, result.Status);
        Assert.Contains("framework-dependent .NET 8", result.Summary, StringComparison.Ordinal);
        Assert.Contains("DOTNET_ADDITIONAL_DEPS", result.Summary, StringComparison.Ordinal);
        Assert.Equal("cwapm run -- dotnet Api.dll   (or source instrument.sh: both set all the variables)", result.Fix);
    }

    [Fact]
    public void App_FrameworkDependentNet9WithoutStoreForTfm_Fails()
    {
        var home = TestHomes.Create(_temp.Combine("home8only"), "0.1.0", "net8.0");

        var result = AppCheck.Run(App("Api9", TestApps.RuntimeConfig("net9.0", "Microsoft.NETCore.App", "9.0.0")), home);

        Assert.Equal(CheckStatus.Fail, result.Status);
        Assert.Contains("no store for net9.0", result.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void App_Net10_NeedsOnlyTheHook()
    {
        var result = AppCheck.Run(App("New", TestApps.RuntimeConfig("net10.0", "Microsoft.NETCore.App", "10.0.0")), _home);

        Assert.Equal(CheckStatus.Ok, result.Status);
        Assert.Contains("the startup hook is enough", result.Summary, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("8.0.11", 8)]
    [InlineData("9.0.0", 9)]
    public void App_SelfContainedNet8Or9_CannotBeInstrumented(string version, int major)
    {
        var result = AppCheck.Run(App("Sc" + major, TestApps.RuntimeConfig("net" + major + ".0", "Microsoft.NETCore.App", version, selfContained: true)), _home);

        Assert.Equal(CheckStatus.Fail, result.Status);
        Assert.Contains("self-contained on .NET " + major + ": it cannot be instrumented", result.Summary, StringComparison.Ordinal);
        Assert.Contains("--self-contained false", result.Fix, StringComparison.Ordinal);
    }

    [Fact]
    public void App_SelfContainedNet10_CanBeInstrumented()
    {
        var result = AppCheck.Run(App("Sc10", TestApps.RuntimeConfig("net10.0", "Microsoft.NETCore.App", "10.0.1", selfContained: true)), _home);

        Assert.Equal(CheckStatus.Ok, result.Status);
        Assert.Contains("self-contained .NET 10", result.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void App_TrimmedWithStartupHooksOff_FailsWithRepublishAdvice()
    {
        var config = TestApps.RuntimeConfig(
            "net8.0", "Microsoft.NETCore.App", "8.0.0",
            configProperties: "\"System.StartupHookProvider.IsSupported\": false, \"Microsoft.Extensions.DependencyInjection.VerifyOpenGenericServiceTrimmability\": true");

        var result = AppCheck.Run(App("Trim", config), _home);

        Assert.Equal(CheckStatus.Fail, result.Status);
        Assert.Contains("startup hooks switched off", result.Summary, StringComparison.Ordinal);
        Assert.Contains("as PublishTrimmed sets", result.Summary, StringComparison.Ordinal);
        Assert.Contains("<StartupHookSupport>true</StartupHookSupport>", result.Fix, StringComparison.Ordinal);
    }

    [Fact]
    public void App_TrimmedWithHooksOn_Warns()
    {
        var config = TestApps.RuntimeConfig("net10.0", "Microsoft.NETCore.App", "10.0.0", configProperties: "\"Microsoft.Extensions.DependencyInjection.VerifyOpenGenericServiceTrimmability\": true");

        var result = AppCheck.Run(App("Trim10", config), _home);

        Assert.Equal(CheckStatus.Warn, result.Status);
        Assert.Contains(result.Details, d => d.StartsWith("looks trimmed", StringComparison.Ordinal));
    }

    [Fact]
    public void App_Net6_NeedsNet8()
    {
        var result = AppCheck.Run(App("Old", TestApps.RuntimeConfig("net6.0", "Microsoft.NETCore.App", "6.0.0")), _home);

        Assert.Equal(CheckStatus.Fail, result.Status);
        Assert.Contains("runs on .NET 6: the agent needs .NET 8 or later", result.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void App_NativeExecutableWithoutRuntimeConfig_IsNativeAot()
    {
        var dir = _temp.Combine("aot");
        Directory.CreateDirectory(dir);
        File.WriteAllBytes(Path.Combine(dir, "Native"), [0x7f, (byte)'E', (byte)'L', (byte)'F', 2, 1, 1, 0]);

        var result = AppCheck.Run(dir, _home);

        Assert.Equal(CheckStatus.Fail, result.Status);
        Assert.Contains("native code (native AOT", result.Summary, StringComparison.Ordinal);
        Assert.Contains("PublishAot", result.Fix, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0x12345L, "warn", "single-file app")]
    [InlineData(0L, "fail", "native code")]
    public void App_ExecutableWithBundleHeader_TellsSingleFileFromNative(long bundleOffset, string expected, string summary)
    {
        var dir = _temp.Combine("exe" + bundleOffset);
        Directory.CreateDirectory(dir);
        var bytes = new List<byte> { 0x7f, (byte)'E', (byte)'L', (byte)'F' };
        bytes.AddRange(new byte[100]);
        bytes.AddRange(BitConverter.GetBytes(bundleOffset));
        bytes.AddRange(AppCheck.BundleSignature);
        bytes.AddRange(new byte[100]);
        File.WriteAllBytes(Path.Combine(dir, "Bundled"), [.. bytes]);

        var result = AppCheck.Run(Path.Combine(dir, "Bundled"), _home);

        Assert.Equal(expected, CheckResult.Label(result.Status));
        Assert.Contains(summary, result.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void App_ShipsItsOwnOpenTelemetry_Warns()
    {
        var app = App("Otel", TestApps.RuntimeConfig("net8.0", "Microsoft.NETCore.App", "8.0.0"), TestApps.DepsJson("Otel", ("OpenTelemetry", "1.9.0")));

        var result = AppCheck.Run(app, _home);

        Assert.Equal(CheckStatus.Warn, result.Status);
        Assert.Contains(result.Details, d => d.Contains("ships OpenTelemetry 1.9.0", StringComparison.Ordinal));
    }

    [Fact]
    public void App_MissingPath_FailsClearly()
    {
        var result = AppCheck.Run(_temp.Combine("nope"), _home);

        Assert.Equal(CheckStatus.Fail, result.Status);
        Assert.EndsWith("does not exist", result.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void Doctor_AppOptionWithJson_ReportsTheAppVerdict()
    {
        var app = App("Sc", TestApps.RuntimeConfig("net8.0", "Microsoft.NETCore.App", "8.0.0", selfContained: true));
        var run = new CliRun();
        run.Environment.Variables["OTEL_DOTNET_AUTO_HOME"] = _home;
        run.Environment.Variables["OTEL_TRACES_EXPORTER"] = "none";

        Assert.Equal(1, run.Invoke("doctor", "--app", app, "--json"));

        using var json = JsonDocument.Parse(run.Console.OutText);
        var check = json.RootElement.GetProperty("checks").EnumerateArray().Single(c => c.GetProperty("name").GetString() == "app");
        Assert.Equal("fail", check.GetProperty("status").GetString());
        Assert.Contains("self-contained on .NET 8", check.GetProperty("summary").GetString(), StringComparison.Ordinal);
        Assert.Equal(1, json.RootElement.GetProperty("exitCode").GetInt32());
    }
}
