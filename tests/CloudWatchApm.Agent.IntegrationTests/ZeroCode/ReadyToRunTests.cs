// The agent home's code is precompiled the way start-up needs: ReadyToRun images per runtime,
// with cross-module generics, so that building the providers leaves little to the JIT, and a
// startup hook whose .NET 10 code is precompiled too.
using System.Reflection.PortableExecutable;
using System.Text.RegularExpressions;
using CloudWatchApm.Agent.IntegrationTests.Collector;
using CloudWatchApm.Agent.IntegrationTests.Infrastructure;
using Xunit;

namespace CloudWatchApm.Agent.IntegrationTests.ZeroCode;

public sealed class ReadyToRunTests
{
    // READYTORUN_HEADER: "RTR\0", major and minor version (two bytes each), then the core
    // header's flags. READYTORUN_FLAG_UNRELATED_R2R_CODE marks an image that holds code for
    // generic instantiations another assembly owns.
    private const uint ReadyToRunSignature = 0x00525452;
    private const uint UnrelatedCodeFlag = 0x80;

    public ReadyToRunTests() => TestPaths.RequireAgentHome();

    [Theory]
    [InlineData("net8.0")]
    [InlineData("net9.0")]
    [InlineData("net10.0")]
    public void AgentImages_HoldTheGenericInstantiationsTheyUse(string framework)
    {
        var folder = Path.Combine(TestPaths.AgentHome, "agent", framework);
        foreach (var name in new[] { "CloudWatchApm.Agent.dll", "OpenTelemetry.dll", "Microsoft.Extensions.DependencyInjection.dll", "OpenTelemetry.Exporter.OpenTelemetryProtocol.dll" })
        {
            var flags = ReadyToRunFlags(Path.Combine(folder, name));
            Assert.True(flags is not null, $"{framework}/{name} is not a ReadyToRun image: the home was built with CWAPM_R2R=false, and these tests expect build/build.sh's default");
            Assert.True((flags!.Value & UnrelatedCodeFlag) != 0, $"{framework}/{name} holds no cross-module generic code (flags 0x{flags:x}): built with CWAPM_R2R_CROSS_MODULE=false?");
        }
    }

    [Theory]
    [InlineData("net10.0")]
    [InlineData("net8.0")]
    public async Task ConsoleApp_BuildingTheTracerProvider_LeavesLittleToTheJit(string variant)
    {
        var log = await RunConsoleAppAsync(variant, "r2r");

        // A console app's providers are built in the startup hook, before Main, so the count of
        // methods the stage's thread JIT-compiled is the agent's alone. Per-assembly ReadyToRun
        // left about 115 methods to the JIT here (generic framework types over the SDK's and
        // DI's own structs); with cross-module generics about 30 remain. The bound sits between
        // the two.
        var stage = Regex.Match(log, @"stage 'traces' took [\d.]+ ms, of which JIT [\d.]+ ms \((\d+) methods\)");
        Assert.True(stage.Success, log);
        Assert.InRange(int.Parse(stage.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), 1, 60);
    }

    [Fact]
    public async Task StartupHook_OnDotNet10_RunsItsReadyToRunCodeInsteadOfTheJit()
    {
        // The hook's IL targets netcoreapp3.1; build.sh adds code compiled for .NET 10.
        var hook = Path.Combine(TestPaths.AgentHome, "hook", "CloudWatchApm.Agent.StartupHook.dll");
        Assert.True(ReadyToRunFlags(hook) is not null, "the startup hook is not a ReadyToRun image: build.sh could not run crossgen2 on it (see its output)");

        // The runtime's own list of what it JIT-compiled says whether that code was used.
        var jitList = Path.Combine(Path.GetTempPath(), $"cwapm-jit-{Guid.NewGuid():N}.txt");
        try
        {
            var log = await RunConsoleAppAsync("net10.0", "r2r-hook", ("DOTNET_JitStdOutFile", jitList), ("DOTNET_JitDisasmSummary", "1"));
            Assert.Contains("cwapm agent", log, StringComparison.Ordinal);

            var compiled = File.ReadAllLines(jitList);
            Assert.Contains(compiled, line => line.Contains("JIT compiled", StringComparison.Ordinal));
            var hookMethods = compiled.Where(line => line.Contains("JIT compiled StartupHook:", StringComparison.Ordinal) || line.Contains("JIT compiled CloudWatchApm.Agent.Shared.", StringComparison.Ordinal)).ToList();
            Assert.True(hookMethods.Count == 0, "the hook's methods were JIT-compiled on .NET 10:" + Environment.NewLine + string.Join(Environment.NewLine, hookMethods));

            // The process name is read through a delegate, not PropertyInfo.GetValue, whose
            // first call emits an invoke stub and compiles it.
            Assert.DoesNotContain(compiled, line => line.Contains("InvokeStub_Environment.get_ProcessPath", StringComparison.Ordinal));
        }
        finally
        {
            File.Delete(jitList);
        }
    }

    /// <summary>Runs the console app (one HttpClient call) under the agent to its end; returns the agent log.</summary>
    private static async Task<string> RunConsoleAppAsync(string variant, string service, params (string Name, string Value)[] extra)
    {
        await using var collector = await MockCollector.StartAsync();
        var env = ZeroCodeTests.Env(collector, service);
        env["TARGET_URL"] = collector.HttpEndpoint + "/anything";
        env["CALL_COUNT"] = "1";
        foreach (var (name, value) in extra)
        {
            env[name] = value;
        }

        var dotnet = variant == "net8.0" ? Path.Combine(TestPaths.RuntimesRoot, "dotnet") : null;
        await using var app = AppProcess.StartApp(TestPaths.App("ConsoleApp", variant), "ConsoleApp", env, dotnet);
        Assert.True(await app.WaitForExitAsync(TimeSpan.FromSeconds(60)), "the app did not exit");
        Assert.Equal(0, app.ExitCode);
        return app.AgentLog();
    }

    private static uint? ReadyToRunFlags(string path)
    {
        using var stream = File.OpenRead(path);
        using var pe = new PEReader(stream);
        var directory = pe.PEHeaders.CorHeader?.ManagedNativeHeaderDirectory;
        if (directory is not { Size: > 0 } header)
        {
            return null;
        }

        var reader = pe.GetSectionData(header.RelativeVirtualAddress).GetReader();
        if (reader.ReadUInt32() != ReadyToRunSignature)
        {
            return null;
        }

        reader.ReadUInt16();
        reader.ReadUInt16();
        return reader.ReadUInt32();
    }
}
