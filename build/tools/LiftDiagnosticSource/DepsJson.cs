namespace LiftDiagnosticSource;

using System.Text.Json;

/// <summary>One runtime assembly of a NuGet package in the agent's publish output.</summary>
internal sealed record AgentAssembly(
    string Name,
    string SourceFile,
    string LibTargetFramework,
    Version AssemblyVersion,
    string? FileVersion,
    string PackageId,
    string PackageVersion,
    bool Serviceable,
    string? Sha512,
    string? HashPath);

/// <summary>The agent's dependency graph, from its publish folder's deps.json.</summary>
internal sealed class AgentGraph
{
    // Asset RIDs a linux-x64 host accepts, most specific first (the host's built-in fallback list).
    private static readonly string[] RidChain = ["linux-x64", "linux", "unix", "any"];

    private AgentGraph(string targetFramework, List<AgentAssembly> assemblies)
    {
        TargetFramework = targetFramework;
        Assemblies = assemblies;
    }

    /// <summary>Framework part of the agent's runtimeTarget, e.g. ".NETCoreApp,Version=v8.0".</summary>
    public string TargetFramework { get; }

    public IReadOnlyList<AgentAssembly> Assemblies { get; }

    public static AgentGraph Read(string publishDir, string depsName)
    {
        var path = Path.Combine(publishDir, depsName + ".deps.json");
        if (!File.Exists(path))
        {
            throw new LiftException($"{path} not found; publish the agent first (dotnet publish -c Release -r linux-x64 --self-contained false)");
        }

        using var doc = Json.Parse(path);
        var root = doc.RootElement;
        var targetName = Json.RuntimeTargetName(root, path);
        var targetFramework = targetName.Split('/')[0];
        var defaultTfm = Json.ShortTfm(targetFramework);
        var target = Json.Target(root, targetName, path);
        var libraries = root.TryGetProperty("libraries", out var libs) ? libs : default;

        var byName = new Dictionary<string, (int Rank, AgentAssembly Assembly)>(StringComparer.OrdinalIgnoreCase);
        foreach (var entry in target.EnumerateObject())
        {
            if (libraries.ValueKind != JsonValueKind.Object || !libraries.TryGetProperty(entry.Name, out var library) ||
                Json.String(library, "type") != "package")
            {
                continue; // the agent's own projects load from its folder
            }

            var slash = entry.Name.IndexOf('/', StringComparison.Ordinal);
            var (id, version) = (entry.Name[..slash], entry.Name[(slash + 1)..]);
            foreach (var (asset, rank) in RuntimeAssets(entry.Value))
            {
                if (!asset.Value.TryGetProperty("assemblyVersion", out var av) ||
                    !Version.TryParse(av.GetString(), out var assemblyVersion))
                {
                    continue;
                }

                var file = Path.GetFileName(asset.Name);
                var name = Path.GetFileNameWithoutExtension(file);
                var assembly = new AgentAssembly(
                    name,
                    Path.Combine(publishDir, file),
                    LibTfm(asset.Name) ?? defaultTfm,
                    assemblyVersion,
                    Json.String(asset.Value, "fileVersion"),
                    id,
                    version,
                    !library.TryGetProperty("serviceable", out var s) || s.ValueKind != JsonValueKind.False,
                    Json.String(library, "sha512"),
                    Json.String(library, "hashPath"));
                if (!byName.TryGetValue(name, out var known) || rank < known.Rank)
                {
                    byName[name] = (rank, assembly);
                }
            }
        }

        return new AgentGraph(targetFramework, byName.Values.Select(v => v.Assembly).ToList());
    }

    // "runtime" assets (a RID-specific publish already resolved these), then "runtimeTargets"
    // runtime assets for RIDs this platform accepts.
    private static IEnumerable<(JsonProperty Asset, int Rank)> RuntimeAssets(JsonElement package)
    {
        if (package.TryGetProperty("runtime", out var runtime))
        {
            foreach (var asset in runtime.EnumerateObject())
            {
                yield return (asset, 0);
            }
        }

        if (package.TryGetProperty("runtimeTargets", out var targets))
        {
            foreach (var asset in targets.EnumerateObject())
            {
                var rank = Array.IndexOf(RidChain, Json.String(asset.Value, "rid"));
                if (rank >= 0 && Json.String(asset.Value, "assetType") == "runtime")
                {
                    yield return (asset, rank + 1);
                }
            }
        }
    }

    // "lib/net8.0/X.dll" or "runtimes/unix/lib/net8.0/X.dll" -> "net8.0".
    private static string? LibTfm(string assetPath)
    {
        var parts = assetPath.Split('/');
        var lib = Array.IndexOf(parts, "lib");
        return lib >= 0 && lib + 2 < parts.Length ? parts[lib + 1] : null;
    }
}

/// <summary>A shared framework folder of a dotnet root and the assembly versions it carries.</summary>
internal sealed class SharedFramework
{
    private SharedFramework(string name, string version, Dictionary<string, Version> assemblies)
    {
        Name = name;
        Version = version;
        Assemblies = assemblies;
    }

    public string Name { get; }

    public string Version { get; }

    public IReadOnlyDictionary<string, Version> Assemblies { get; }

    /// <summary>The highest installed <paramref name="major"/>.x of a framework, or null.</summary>
    public static SharedFramework? Find(string dotnetRoot, string name, int major)
    {
        var dir = Path.Combine(dotnetRoot, "shared", name);
        if (!Directory.Exists(dir))
        {
            return null;
        }

        var best = Directory.GetDirectories(dir)
            .Select(d => (Dir: d, Ok: System.Version.TryParse(Path.GetFileName(d), out var v), Version: v))
            .Where(x => x.Ok && x.Version!.Major == major && File.Exists(Path.Combine(x.Dir, name + ".deps.json")))
            .OrderByDescending(x => x.Version)
            .FirstOrDefault();
        if (best.Dir is null)
        {
            return null;
        }

        var path = Path.Combine(best.Dir, name + ".deps.json");
        using var doc = Json.Parse(path);
        var target = Json.Target(doc.RootElement, Json.RuntimeTargetName(doc.RootElement, path), path);
        var assemblies = new Dictionary<string, Version>(StringComparer.OrdinalIgnoreCase);
        foreach (var package in target.EnumerateObject())
        {
            if (!package.Value.TryGetProperty("runtime", out var runtime))
            {
                continue;
            }

            foreach (var asset in runtime.EnumerateObject())
            {
                if (asset.Value.TryGetProperty("assemblyVersion", out var av) && System.Version.TryParse(av.GetString(), out var v))
                {
                    assemblies[Path.GetFileNameWithoutExtension(asset.Name)] = v;
                }
            }
        }

        if (assemblies.Count == 0)
        {
            throw new LiftException($"{path} lists no runtime assemblies with versions");
        }

        return new SharedFramework(name, Path.GetFileName(best.Dir), assemblies);
    }
}

internal static class Json
{
    public static JsonDocument Parse(string path)
    {
        try
        {
            return JsonDocument.Parse(File.ReadAllBytes(path));
        }
        catch (JsonException e)
        {
            throw new LiftException($"{path} is not valid JSON: {e.Message}");
        }
    }

    public static string RuntimeTargetName(JsonElement root, string path) =>
        root.TryGetProperty("runtimeTarget", out var rt) && String(rt, "name") is { Length: > 0 } name
            ? name
            : throw new LiftException($"{path} has no runtimeTarget.name");

    public static JsonElement Target(JsonElement root, string name, string path) =>
        root.TryGetProperty("targets", out var targets) && targets.TryGetProperty(name, out var target)
            ? target
            : throw new LiftException($"{path} has no target '{name}'");

    public static string? String(JsonElement element, string property) =>
        element.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    // ".NETCoreApp,Version=v8.0" -> "net8.0".
    public static string ShortTfm(string targetFramework)
    {
        var v = targetFramework.LastIndexOf('v');
        return v >= 0 ? "net" + targetFramework[(v + 1)..] : "net8.0";
    }
}
