// The manifests in build/container/manifests cannot drift from the CLI or the image: they parse,
// repeat exactly the loading variables `cwapm env` prints, mount the volume where those variables
// point, name the image at the agent's version, and every path they name exists in the image.
using System.Text.Json;
using CloudWatchApm.Agent.IntegrationTests.Infrastructure;
using Xunit;
using static CloudWatchApm.Agent.IntegrationTests.Containers.Manifests;

namespace CloudWatchApm.Agent.IntegrationTests.Containers;

public sealed class ManifestTests
{
    public ManifestTests() => TestPaths.RequireAgentHome();

    [Fact]
    public void CwapmEnv_ContainerFormats_AgreeOnOneHome_ThatTheImageCopiesTo()
    {
        Assert.Equal(LoadingVariables, CwapmK8sEnv.Select(p => p.Key));
        using var ecs = JsonDocument.Parse(RunCwapmEnv("ecs"));
        Assert.Equal(CwapmK8sEnv, EcsEnv(ecs.RootElement.GetProperty("environment")));
        var dockerfile = RunCwapmEnv("dockerfile").Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(CwapmK8sEnv.Select(p => $"ENV {p.Key}=\"{p.Value}\""), dockerfile);
        Assert.Equal([ContainerHome], InitImage.Archive("amd64").ConfigStrings("Cmd"));
        AssertPathsInImage(CwapmK8sEnv, ContainerHome);
    }

    [Fact]
    public void Kubernetes_InitContainerVolumeAndEnvironment_MatchTheCliAndTheImage()
    {
        var deployment = M(Yaml("kubernetes.yaml").Single());
        Assert.Equal("Deployment", S(deployment["kind"]));
        var pod = M(At(deployment, "spec", "template", "spec"));
        var volume = M(L(pod["volumes"]).Single());
        Assert.NotNull(At(volume, "emptyDir"));
        var volumeName = S(volume["name"]);

        var init = M(L(pod["initContainers"]).Single());
        AssertImage(S(init["image"]));
        var initMount = M(L(init["volumeMounts"]).Single());
        Assert.Equal(volumeName, S(initMount["name"]));
        Assert.Equal(ContainerHome, S(initMount["mountPath"]));
        Assert.Equal([ContainerHome], L(init["args"]).Select(S));
        Assert.False(init.ContainsKey("command"), "the image's ENTRYPOINT does the copying; set args only");
        Assert.Equal("65532", Convert.ToString(At(init, "securityContext", "runAsUser"), System.Globalization.CultureInfo.InvariantCulture));

        var app = M(L(pod["containers"]).Single());
        var appMount = M(L(app["volumeMounts"]).Single());
        Assert.Equal(volumeName, S(appMount["name"]));
        Assert.Equal(ContainerHome, S(appMount["mountPath"]));
        Assert.Equal("true", S(appMount["readOnly"]));
        var env = EnvList(app["env"]);
        Assert.Equal(CwapmK8sEnv, env.Take(LoadingVariables.Length));
        Assert.Equal(env.Count, env.Select(e => e.Key).Distinct().Count());
        AssertOtelOnly(env.Skip(LoadingVariables.Length));
    }

    [Fact]
    public void OperatorInstrumentation_PointsAtTheImage_AndEveryOperatorPathTheAgentNeedsExists()
    {
        var docs = Yaml("operator-instrumentation.yaml").Select(M).ToList();
        var instrumentation = docs.Single(d => S(d["kind"]) == "Instrumentation");
        Assert.Equal("opentelemetry.io/v1alpha1", S(instrumentation["apiVersion"]));
        AssertImage(S(At(instrumentation, "spec", "dotnet", "image")));
        Assert.StartsWith("http://", S(At(instrumentation, "spec", "exporter", "endpoint")), StringComparison.Ordinal);
        Assert.EndsWith(":4317", S(At(instrumentation, "spec", "exporter", "endpoint")), StringComparison.Ordinal);
        Assert.Contains("xray", L(At(instrumentation, "spec", "propagators")).Select(S));

        var deployment = docs.Single(d => S(d["kind"]) == "Deployment");
        var annotations = M(At(deployment, "spec", "template", "metadata", "annotations"));
        Assert.Equal(S(At(instrumentation, "metadata", "name")), S(annotations["instrumentation.opentelemetry.io/inject-dotnet"]));

        // The Operator's paths, except the native profiler (skipped silently by the runtime), are in the image.
        var operatorEnv = OperatorDotNet.Environment("glibc");
        AssertPathsInImage(operatorEnv.Where(p => p.Key.StartsWith("DOTNET_", StringComparison.Ordinal) || p.Key == "OTEL_DOTNET_AUTO_HOME"), OperatorDotNet.MountPath);
        foreach (var profiler in OperatorDotNet.ProfilerPaths.Values)
        {
            Assert.Null(InitImage.Archive("amd64").Find(InitImage.PayloadFolder + profiler[OperatorDotNet.MountPath.Length..]));
        }
    }

    [Fact]
    public void EcsTaskDefinition_InitCompletesFirst_SharedVolume_CloudWatchAgentSidecar()
    {
        using var doc = Json("ecs-task-definition.json");
        var root = doc.RootElement;
        var volume = root.GetProperty("volumes").EnumerateArray().Single().GetProperty("name").GetString();
        var containers = root.GetProperty("containerDefinitions").EnumerateArray().ToDictionary(c => c.GetProperty("name").GetString()!);
        Assert.Equal(3, containers.Count);

        var init = containers.Values.Single(c => c.GetProperty("image").GetString()!.Contains("/" + InitImage.Name + ":", StringComparison.Ordinal));
        AssertImage(init.GetProperty("image").GetString()!);
        Assert.False(init.GetProperty("essential").GetBoolean());
        Assert.Equal([ContainerHome], init.GetProperty("command").EnumerateArray().Select(e => e.GetString()));
        var initMount = init.GetProperty("mountPoints").EnumerateArray().Single();
        Assert.Equal(volume, initMount.GetProperty("sourceVolume").GetString());
        Assert.Equal(ContainerHome, initMount.GetProperty("containerPath").GetString());

        var agent = containers.Values.Single(c => c.GetProperty("image").GetString()!.Contains("cloudwatch-agent", StringComparison.Ordinal));
        var cwConfigText = EcsEnv(agent.GetProperty("environment")).Single(p => p.Key == "CW_CONFIG_CONTENT").Value;
        using var cwConfig = JsonDocument.Parse(cwConfigText);
        Assert.True(cwConfig.RootElement.GetProperty("traces").GetProperty("traces_collected").TryGetProperty("application_signals", out _));
        Assert.True(cwConfig.RootElement.GetProperty("logs").GetProperty("metrics_collected").TryGetProperty("application_signals", out _));
        Assert.EndsWith(":4317", cwConfig.RootElement.GetProperty("metrics").GetProperty("metrics_collected").GetProperty("otlp").GetProperty("grpc_endpoint").GetString(), StringComparison.Ordinal);

        var app = containers.Values.Single(c => c.GetProperty("name").GetString() != init.GetProperty("name").GetString() && c.GetProperty("name").GetString() != agent.GetProperty("name").GetString());
        Assert.True(app.GetProperty("essential").GetBoolean());
        var dependsOn = app.GetProperty("dependsOn").EnumerateArray().ToDictionary(d => d.GetProperty("containerName").GetString()!, d => d.GetProperty("condition").GetString());
        Assert.Equal("COMPLETE", dependsOn[init.GetProperty("name").GetString()!]);
        Assert.Equal("START", dependsOn[agent.GetProperty("name").GetString()!]);
        var appMount = app.GetProperty("mountPoints").EnumerateArray().Single();
        Assert.Equal(volume, appMount.GetProperty("sourceVolume").GetString());
        Assert.Equal(ContainerHome, appMount.GetProperty("containerPath").GetString());
        Assert.True(appMount.GetProperty("readOnly").GetBoolean());

        var env = EcsEnv(app.GetProperty("environment"));
        Assert.Equal(CwapmK8sEnv, env.Take(LoadingVariables.Length));
        AssertOtelOnly(env.Skip(LoadingVariables.Length));
        var values = env.ToDictionary(p => p.Key, p => p.Value);
        Assert.Equal("http://localhost:4317", values["OTEL_EXPORTER_OTLP_ENDPOINT"]);
        Assert.Equal("http://localhost:4316/v1/traces", values["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"]);
        Assert.Equal("http/protobuf", values["OTEL_EXPORTER_OTLP_TRACES_PROTOCOL"]);
        Assert.Equal("xray", values["OTEL_TRACES_SAMPLER"]);
        Assert.Equal("endpoint=http://localhost:2000", values["OTEL_TRACES_SAMPLER_ARG"]);
    }

    [Fact]
    public void Compose_InitCompletesBeforeTheApp_AndTheCollectorListensWhereTheAppSends()
    {
        var compose = M(Yaml("docker-compose.yaml").Single());
        var services = M(compose["services"]);
        var init = M(services["cwapm-init"]);
        AssertImage(S(init["image"]));
        Assert.Equal([ContainerHome], L(init["command"]).Select(S));
        var volumeName = S(L(init["volumes"]).Single()).Split(':')[0];
        Assert.Equal($"{volumeName}:{ContainerHome}", S(L(init["volumes"]).Single()));
        Assert.True(M(compose["volumes"]).ContainsKey(volumeName));

        var app = M(services["app"]);
        Assert.Equal("service_completed_successfully", S(At(app, "depends_on", "cwapm-init", "condition")));
        Assert.Equal("service_started", S(At(app, "depends_on", "otel-collector", "condition")));
        Assert.Contains($"{volumeName}:{ContainerHome}:ro", L(app["volumes"]).Select(S));
        var env = M(app["environment"]).Select(p => new KeyValuePair<string, string>(S(p.Key), S(p.Value))).ToList();
        Assert.Equal(CwapmK8sEnv, env.Take(LoadingVariables.Length));
        AssertOtelOnly(env.Skip(LoadingVariables.Length));
        var endpoint = new Uri(env.Single(p => p.Key == "OTEL_EXPORTER_OTLP_ENDPOINT").Value);
        Assert.Equal("otel-collector", endpoint.Host);

        var collector = M(services["otel-collector"]);
        Assert.Contains($"{endpoint.Port}:{endpoint.Port}", L(collector["ports"]).Select(S));
        var configMount = L(collector["volumes"]).Select(S).Single();
        var configFile = configMount.Split(':')[0];
        Assert.Contains("--config=" + configMount.Split(':')[1], L(collector["command"]).Select(S));
        var config = M(Yaml(Path.GetFileName(configFile)).Single());
        Assert.EndsWith(":" + endpoint.Port, S(At(config, "receivers", "otlp", "protocols", "grpc", "endpoint")), StringComparison.Ordinal);
        foreach (var pipeline in new[] { "traces", "metrics", "logs" })
        {
            Assert.Contains("otlp", L(At(config, "service", "pipelines", pipeline, "receivers")).Select(S));
        }
    }

    private static List<KeyValuePair<string, string>> EcsEnv(JsonElement list) =>
        list.EnumerateArray().Select(e => new KeyValuePair<string, string>(e.GetProperty("name").GetString()!, e.GetProperty("value").GetString()!)).ToList();

    // Our image at the agent's version (any registry).
    private static void AssertImage(string image) =>
        Assert.Matches($@"(^|/){InitImage.Name}:{System.Text.RegularExpressions.Regex.Escape(InitImage.Version)}$", image);

    // Everything after the loading variables is ordinary configuration.
    private static void AssertOtelOnly(IEnumerable<KeyValuePair<string, string>> env) =>
        Assert.All(env, p => Assert.StartsWith("OTEL_", p.Key, StringComparison.Ordinal));

    // Each path-valued variable names something the image copies into the volume.
    private static void AssertPathsInImage(IEnumerable<KeyValuePair<string, string>> env, string mountPoint)
    {
        var image = InitImage.Archive("amd64");
        foreach (var (name, value) in env)
        {
            foreach (var path in value.Split(':'))
            {
                Assert.True(path == mountPoint || path.StartsWith(mountPoint + "/", StringComparison.Ordinal), $"{name}={value} is outside the volume at {mountPoint}");
                var inImage = InitImage.PayloadFolder + path[mountPoint.Length..];
                Assert.True(image.Find(inImage) is not null, $"{name}={value}: the image has no /{inImage}");
            }
        }

        // The folders need their content: the folder-form deps files and this architecture's store.
        var values = env.ToDictionary(p => p.Key, p => p.Value);
        if (values.TryGetValue("DOTNET_ADDITIONAL_DEPS", out var deps))
        {
            var folder = InitImage.PayloadFolder + deps[mountPoint.Length..];
            Assert.NotNull(image.Find(folder + "/shared/Microsoft.NETCore.App/8.0.0/CloudWatchApm.Agent.deps.json"));
            Assert.NotNull(image.Find(folder + "/shared/Microsoft.NETCore.App/9.0.0/CloudWatchApm.Agent.deps.json"));
        }

        if (values.TryGetValue("DOTNET_SHARED_STORE", out var store))
        {
            Assert.NotNull(image.Find(InitImage.PayloadFolder + store[mountPoint.Length..] + "/x64/net8.0"));
        }
    }
}
