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
    private AgentGraph(string targetFramework, string rid, List<AgentAssembly> assemblies)
    {
        TargetFramework = targetFramework;
        Rid = rid;
        Architecture = ArchitectureOf(rid);
        Assemblies = assemblies;
    }

    /// <summary>Framework part of the agent's runtimeTarget, e.g. ".NETCoreApp,Version=v8.0".</summary>
    public string TargetFramework { get; }

    /// <summary>RID part of the agent's runtimeTarget (the publish's -r), e.g. "linux-arm64".</summary>
    public string Rid { get; }

    /// <summary>
    /// The architecture folder the host probes in DOTNET_SHARED_STORE on that RID's machines
    /// ("x64", "arm64"): the store is per architecture, so an arm64 agent needs store/arm64.
    /// </summary>
    public string Architecture { get; }

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
        var rid = targetName.Contains('/', StringComparison.Ordinal) ? targetName[(targetName.IndexOf('/', StringComparison.Ordinal) + 1)..] : string.Empty;
        if (rid.Length == 0)
        {
            throw new LiftException($"{path} is a portable (RID-less) publish; publish the agent for one runtime (dotnet publish -r linux-x64 or -r linux-arm64 --self-contained false)");
        }

        var ridChain = RidChain(rid);
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
            foreach (var (asset, rank) in RuntimeAssets(entry.Value, ridChain))
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

        return new AgentGraph(targetFramework, rid, byName.Values.Select(v => v.Assembly).ToList());
    }

    // "runtime" assets (a RID-specific publish already resolved these), then "runtimeTargets"
    // runtime assets for RIDs this platform accepts.
    private static IEnumerable<(JsonProperty Asset, int Rank)> RuntimeAssets(JsonElement package, string[] ridChain)
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
                var rank = Array.IndexOf(ridChain, Json.String(asset.Value, "rid"));
                if (rank >= 0 && Json.String(asset.Value, "assetType") == "runtime")
                {
                    yield return (asset, rank + 1);
                }
            }
        }
    }

    // Asset RIDs a host of this RID accepts, most specific first (the host's built-in fallback list):
    // linux-musl-arm64 -> linux-musl-arm64, linux-musl, linux-arm64, linux, unix, any.
    private static string[] RidChain(string rid)
    {
        var dash = rid.LastIndexOf('-');
        var os = dash > 0 ? rid[..dash] : rid;
        var arch = dash > 0 ? rid[(dash + 1)..] : string.Empty;
        var chain = new List<string> { rid, os };
        if (os.StartsWith("linux-", StringComparison.Ordinal))
        {
            chain.Add("linux-" + arch);
            chain.Add("linux");
        }

        chain.Add("unix");
        chain.Add("any");
        return chain.Distinct(StringComparer.Ordinal).ToArray();
    }

    // "linux-x64" -> "x64", "linux-musl-arm64" -> "arm64" (the host's architecture names).
    private static string ArchitectureOf(string rid)
    {
        var arch = rid[(rid.LastIndexOf('-') + 1)..];
        return arch is "x64" or "arm64" or "x86" or "arm" or "s390x" or "ppc64le" or "riscv64" or "loongarch64"
            ? arch
            : throw new LiftException($"cannot tell the architecture of RID '{rid}'");
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
