namespace LiftDiagnosticSource;

using System.Reflection;
using System.Text.Encodings.Web;
using System.Text.Json;

/// <summary>Writes additional-deps and store folders into the agent home.</summary>
internal static class Writer
{
    /// <summary>
    /// The host probes the store under the APP's target framework (from its runtimeconfig), so every
    /// target framework an app may have while running on .NET 8/9 gets a folder. When additional
    /// deps apply and the store lacks the app's folder, the host refuses to start the app (exit 140).
    /// </summary>
    private static readonly string[] StoreTargetFrameworks =
        ["netcoreapp3.1", "net5.0", "net6.0", "net7.0", "net8.0", "net9.0"];

    // A RID-specific asset: with a plain "runtime" asset the host keeps an app-local copy of a lower
    // version found by file name first, and the agent fails to load again.
    private const string AssetRid = "unix";

    public static void Write(string home, string depsName, string architecture, IReadOnlyList<Lift> lifts)
    {
        var additionalDeps = Path.Combine(home, "additional-deps");
        var store = Path.Combine(home, "store");
        foreach (var dir in new[] { additionalDeps, store })
        {
            if (Directory.Exists(dir))
            {
                Directory.Delete(dir, recursive: true);
            }
        }

        if (lifts.Count == 0)
        {
            Console.Error.WriteLine("lift: the agent needs nothing newer than the .NET 8/9 frameworks; no additional-deps or store written");
            return;
        }

        foreach (var assembly in lifts.SelectMany(l => l.Assemblies).Distinct())
        {
            Check(assembly);
        }

        foreach (var lift in lifts)
        {
            var dir = Path.Combine(additionalDeps, "shared", lift.Framework, $"{lift.Major}.0.0");
            Directory.CreateDirectory(dir);
            var path = Path.Combine(dir, depsName + ".deps.json");
            File.WriteAllBytes(path, DepsJson(lift));
            Console.Error.WriteLine($"lift: wrote {Path.GetRelativePath(home, path)}");
        }

        var copied = 0;
        foreach (var assembly in lifts.SelectMany(l => l.Assemblies).Distinct())
        {
            foreach (var tfm in StoreTargetFrameworks)
            {
                var target = Path.Combine(store, architecture, tfm, PackagePath(assembly), AssetPath(assembly));
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                File.Copy(assembly.SourceFile, target, overwrite: true);
                copied++;
            }

            Console.Error.WriteLine(
                $"lift: stored {PackagePath(assembly)}/{AssetPath(assembly)} under store/{architecture}/{{{string.Join(',', StoreTargetFrameworks)}}}");
        }

        Console.Error.WriteLine($"lift: done ({lifts.Count} deps file(s), {copied} store file(s)) in {home}");
    }

    private static string PackagePath(AgentAssembly a) => $"{a.PackageId}/{a.PackageVersion}".ToLowerInvariant();

    private static string AssetPath(AgentAssembly a) =>
        $"runtimes/{AssetRid}/lib/{a.LibTargetFramework}/{Path.GetFileName(a.SourceFile)}";

    // The dll in the publish folder must be the one the deps.json describes.
    private static void Check(AgentAssembly a)
    {
        if (!File.Exists(a.SourceFile))
        {
            throw new LiftException($"{a.SourceFile} is listed in the agent's deps.json but missing from its publish folder");
        }

        var actual = AssemblyName.GetAssemblyName(a.SourceFile).Version;
        if (actual != a.AssemblyVersion)
        {
            throw new LiftException($"{a.SourceFile} has assembly version {actual}, the agent's deps.json says {a.AssemblyVersion}");
        }
    }

    private static byte[] DepsJson(Lift lift)
    {
        // The runtimeTarget must name a target present in the file: without runtimeTarget the host
        // crashes (exit 134), with a dangling name it silently ignores the file.
        var target = $".NETCoreApp,Version=v{lift.Major}.0";
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true, NewLine = "\n", Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartObject();
            w.WriteStartObject("runtimeTarget");
            w.WriteString("name", target);
            w.WriteString("signature", string.Empty);
            w.WriteEndObject();
            w.WriteStartObject("compilationOptions");
            w.WriteEndObject();

            w.WriteStartObject("targets");
            w.WriteStartObject(target);
            foreach (var package in lift.Assemblies.GroupBy(a => (a.PackageId, a.PackageVersion)))
            {
                w.WriteStartObject($"{package.Key.PackageId}/{package.Key.PackageVersion}");
                w.WriteStartObject("runtimeTargets");
                foreach (var a in package)
                {
                    w.WriteStartObject(AssetPath(a));
                    w.WriteString("rid", AssetRid);
                    w.WriteString("assetType", "runtime");
                    w.WriteString("assemblyVersion", a.AssemblyVersion.ToString());
                    if (a.FileVersion is not null)
                    {
                        w.WriteString("fileVersion", a.FileVersion);
                    }

                    w.WriteEndObject();
                }

                w.WriteEndObject();
                w.WriteEndObject();
            }

            w.WriteEndObject();
            w.WriteEndObject();

            w.WriteStartObject("libraries");
            foreach (var a in lift.Assemblies.DistinctBy(a => (a.PackageId, a.PackageVersion)))
            {
                w.WriteStartObject($"{a.PackageId}/{a.PackageVersion}");
                w.WriteString("type", "package");
                w.WriteBoolean("serviceable", a.Serviceable);
                w.WriteString("sha512", a.Sha512 ?? string.Empty);
                w.WriteString("path", PackagePath(a));
                w.WriteString("hashPath", a.HashPath ?? $"{PackagePath(a).Replace('/', '.')}.nupkg.sha512");
                w.WriteEndObject();
            }

            w.WriteEndObject();
            w.WriteEndObject();
        }

        stream.WriteByte((byte)'\n');
        return stream.ToArray();
    }
}
