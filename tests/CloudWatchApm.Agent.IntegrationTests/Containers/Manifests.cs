// The ready-made manifests in build/container/manifests, parsed as a tool would (YAML with
// YamlDotNet, JSON with System.Text.Json), and the loading variables the CLI prints for containers
// (`cwapm env --format k8s|ecs|dockerfile`), which the manifests must repeat exactly.
using System.Text.Json;
using CloudWatchApm.Agent.IntegrationTests.Infrastructure;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.Serialization;

namespace CloudWatchApm.Agent.IntegrationTests.Containers;

internal static class Manifests
{
    /// <summary>The variables that load the agent, in the order the CLI prints them.</summary>
    internal static readonly string[] LoadingVariables = ["DOTNET_STARTUP_HOOKS", "DOTNET_ADDITIONAL_DEPS", "DOTNET_SHARED_STORE", "OTEL_DOTNET_AUTO_HOME"];

    private static readonly Lazy<IReadOnlyList<KeyValuePair<string, string>>> K8sEnv = new(() => ReadK8sEnv(RunCwapmEnv("k8s")));

    internal static string Directory => Path.Combine(TestPaths.RepoRoot, "build", "container", "manifests");

    internal static string PathOf(string name) => Path.Combine(Directory, name);

    /// <summary>Every YAML document of a manifest file, as dictionaries, lists and strings.</summary>
    internal static IReadOnlyList<object> Yaml(string name)
    {
        var deserializer = new DeserializerBuilder().Build();
        var parser = new Parser(new StringReader(File.ReadAllText(PathOf(name))));
        parser.Consume<StreamStart>();
        var docs = new List<object>();
        while (parser.Accept<DocumentStart>(out _))
        {
            docs.Add(deserializer.Deserialize<object>(parser) ?? throw new InvalidOperationException($"{name}: empty YAML document"));
        }

        return docs;
    }

    internal static JsonDocument Json(string name) => JsonDocument.Parse(File.ReadAllBytes(PathOf(name)));

    /// <summary>`cwapm env --format k8s` as name/value pairs: the single source of the container values.</summary>
    internal static IReadOnlyList<KeyValuePair<string, string>> CwapmK8sEnv => K8sEnv.Value;

    /// <summary>Where the init image puts the home in our manifests: OTEL_DOTNET_AUTO_HOME of the CLI's container formats.</summary>
    internal static string ContainerHome => CwapmK8sEnv.Single(p => p.Key == "OTEL_DOTNET_AUTO_HOME").Value;

    internal static string RunCwapmEnv(string format)
    {
        TestPaths.RequireAgentHome();
        var env = new Dictionary<string, string?>();
        foreach (var name in LoadingVariables)
        {
            env[name] = null; // container formats describe a fresh environment; keep ours out anyway
        }

        var result = Command.Run(Path.Combine(TestPaths.AgentHome, "cwapm"), ["env", "--format", format], TimeSpan.FromMinutes(1), env);
        result.AssertSuccess("cwapm env --format " + format);
        return result.Stdout;
    }

    /// <summary>A Kubernetes `env:` list as name/value pairs.</summary>
    internal static List<KeyValuePair<string, string>> EnvList(object? list) =>
        L(list).Select(e => new KeyValuePair<string, string>(S(M(e)["name"]), S(M(e)["value"]))).ToList();

    internal static IDictionary<object, object> M(object? value) =>
        value as IDictionary<object, object> ?? throw new InvalidOperationException($"expected a YAML mapping, found {value?.GetType().Name ?? "nothing"}");

    internal static IList<object> L(object? value) =>
        value as IList<object> ?? throw new InvalidOperationException($"expected a YAML sequence, found {value?.GetType().Name ?? "nothing"}");

    internal static string S(object? value) =>
        value as string ?? throw new InvalidOperationException($"expected a YAML scalar, found {value?.GetType().Name ?? "nothing"}");

    /// <summary>A mapping's value at a path of keys, or null.</summary>
    internal static object? At(object? value, params string[] keys)
    {
        foreach (var key in keys)
        {
            if (value is not IDictionary<object, object> map || !map.TryGetValue(key, out value))
            {
                return null;
            }
        }

        return value;
    }

    private static List<KeyValuePair<string, string>> ReadK8sEnv(string yaml)
    {
        var doc = new DeserializerBuilder().Build().Deserialize<object>(yaml);
        return EnvList(M(doc)["env"]);
    }
}
