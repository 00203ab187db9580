// The init image at work: its command runs in a chroot of its unpacked root file system (as a
// runtime runs an init container, non-root, against an emptyDir-like folder), then an unmodified
// app runs under the agent from that folder, with the environment of our Kubernetes manifest and
// with the one the OpenTelemetry Operator injects. The folder stands for the volume, so each
// container path under the mount point is that folder here.
using CloudWatchApm.Agent.IntegrationTests.Collector;
using CloudWatchApm.Agent.IntegrationTests.Infrastructure;
using Xunit;

namespace CloudWatchApm.Agent.IntegrationTests.Containers;

public sealed class InitContainerTests
{
    private static readonly TimeSpan Ready = TimeSpan.FromSeconds(30);

    public InitContainerTests() => TestPaths.RequireAgentHome();

    [Theory]
    [InlineData("net10.0")]
    [InlineData("net8.0")]
    public async Task ImageCommand_ThenManifestEnvironment_AppExportsItsTrace(string variant)
    {
        using var bundle = InitImage.Unpack("amd64");
        // The image's own command (ENTRYPOINT + CMD), which our manifests use; its target is the mount point.
        var args = bundle.Args;
        var mountPoint = args[^1];
        Assert.Equal(Manifests.ContainerHome, mountPoint);
        var volume = bundle.RunInit(args, mountPoint);
        AssertCopied(volume);

        // The app container of build/container/manifests/kubernetes.yaml, its volume at the mount point.
        var deployment = Manifests.M(Manifests.Yaml("kubernetes.yaml").Single());
        var app = Manifests.M(Manifests.L(Manifests.At(deployment, "spec", "template", "spec", "containers")).Single());
        var mount = Manifests.M(Manifests.L(app["volumeMounts"]).Single());
        Assert.Equal(mountPoint, Manifests.S(mount["mountPath"]));

        await using var collector = await MockCollector.StartAsync();
        var service = "k8s-" + variant;
        var env = new Dictionary<string, string?>();
        foreach (var (name, value) in Manifests.EnvList(app["env"]))
        {
            env[name] = MapMount(value, mountPoint, volume);
        }

        env["OTEL_SERVICE_NAME"] = service;
        env["OTEL_EXPORTER_OTLP_ENDPOINT"] = collector.GrpcEndpoint;
        env["OTEL_BSP_SCHEDULE_DELAY"] = "500";
        await RunAppAsync(variant, env, collector, service, volume);
    }

    [Theory]
    [InlineData("net10.0", "glibc")]
    [InlineData("net8.0", "glibc")]
    [InlineData("net10.0", "musl-before-0.157")]
    public async Task OperatorCommand_ThenOperatorEnvironment_AppExportsItsTrace_WithoutTheNativeProfiler(string variant, string profiler)
    {
        using var bundle = InitImage.Unpack("amd64");
        var volume = bundle.RunInit(OperatorDotNet.InitCommand, OperatorDotNet.MountPath);
        AssertCopied(volume);

        // What the Operator sets from its own constants and from our Instrumentation resource.
        var instrumentation = Manifests.Yaml("operator-instrumentation.yaml").Select(Manifests.M).Single(d => Manifests.S(d["kind"]) == "Instrumentation");
        await using var collector = await MockCollector.StartAsync();
        var service = "operator-" + variant;
        var env = new Dictionary<string, string?>();
        foreach (var (name, value) in OperatorDotNet.Environment(profiler))
        {
            env[name] = MapMount(value, OperatorDotNet.MountPath, volume);
        }

        Assert.False(File.Exists(env["CORECLR_PROFILER_PATH"]), "the image is expected to ship no native profiler");
        foreach (var (name, value) in Manifests.EnvList(Manifests.At(instrumentation, "spec", "dotnet", "env")))
        {
            env[name] = value;
        }

        env["OTEL_PROPAGATORS"] = string.Join(',', Manifests.L(Manifests.At(instrumentation, "spec", "propagators")).Select(Manifests.S));
        env["OTEL_TRACES_SAMPLER"] = Manifests.S(Manifests.At(instrumentation, "spec", "sampler", "type"));
        env["OTEL_SERVICE_NAME"] = service;
        env["OTEL_EXPORTER_OTLP_ENDPOINT"] = collector.GrpcEndpoint;
        env["OTEL_BSP_SCHEDULE_DELAY"] = "500";
        var log = await RunAppAsync(variant, env, collector, service, volume);
        Assert.DoesNotContain("[WARN]", log, StringComparison.Ordinal);
    }

    // A path in the app container under the volume's mount point is the volume folder here.
    private static string MapMount(string value, string mountPoint, string volume) =>
        value == mountPoint || value.StartsWith(mountPoint + "/", StringComparison.Ordinal) ? volume + value[mountPoint.Length..] : value;

    private static void AssertCopied(string volume)
    {
        Assert.True(File.Exists(Path.Combine(volume, "hook", "CloudWatchApm.Agent.StartupHook.dll")));
        var check = Command.Run("/bin/sh", ["-c", $"cd '{volume}' && sha256sum --check --quiet checksums.sha256"], TimeSpan.FromMinutes(1));
        check.AssertSuccess("checking the copied home against its checksums.sha256");
    }

    private static async Task<string> RunAppAsync(string variant, Dictionary<string, string?> env, MockCollector collector, string service, string volume)
    {
        var dotnet = variant.StartsWith("net8", StringComparison.Ordinal) ? Path.Combine(TestPaths.RuntimesRoot, "dotnet") : null;
        await using var app = AppProcess.StartApp(TestPaths.App("WebApp", variant), "WebApp", env, dotnet, instrument: false);
        await app.WaitUntilReadyAsync(Ready);
        Assert.Contains(variant.StartsWith("net8", StringComparison.Ordinal) ? "\"runtime\":\"8.0" : "\"runtime\":\"10.0", await app.GetAsync("/runtime"), StringComparison.Ordinal);
        Assert.Equal("{\"id\":\"42\"}", await app.GetAsync("/call"));

        var spans = await Traces.AssertCallTraceAsync(collector, service);
        Traces.AssertNoDuplicates(spans);
        Assert.True(await app.StopAsync(TimeSpan.FromSeconds(20)), "the app did not stop on SIGTERM");
        Assert.Equal(string.Empty, app.StandardError.Trim());
        var log = app.AgentLog();
        Assert.Contains("loading path:", log, StringComparison.Ordinal);
        Assert.Contains("home: " + volume, log, StringComparison.Ordinal);
        return log;
    }
}
