// Finding and reading an application's runtimeconfig.json and deps.json, for
// `cwapm doctor --app` and `cwapm detect`.
using System.Text.Json;

namespace CloudWatchApm.Cli.Doctor;

internal sealed record AppFiles(string Directory, string Name, string? RuntimeConfig, string? DepsJson, string? Dll, string? Executable);

internal static class AppFileLocator
{
    internal static readonly JsonDocumentOptions JsonOptions = new() { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true };

    private static readonly string[] Suffixes = [".runtimeconfig.json", ".deps.json", ".dll", ".exe"];

    /// <summary>
    /// The app at <paramref name="path"/>: a folder with one app, its dll, its apphost, or one of
    /// its json files. Null with a reason when there is no single app there.
    /// </summary>
    internal static AppFiles? Locate(string path, out string? problem)
    {
        problem = null;
        string directory;
        string? name = null;
        string? executable = null;
        if (Directory.Exists(path))
        {
            directory = Path.GetFullPath(path);
            var configs = Directory.GetFiles(directory, "*.runtimeconfig.json")
                .Where(f => !f.EndsWith(".dev.runtimeconfig.json", StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToArray();
            var deps = Directory.GetFiles(directory, "*.deps.json").Order(StringComparer.Ordinal).ToArray();
            var candidates = configs.Length > 0 ? configs : deps;
            if (candidates.Length > 1)
            {
                var folderName = Path.GetFileName(directory.TrimEnd('/'));
                var match = candidates.FirstOrDefault(c => string.Equals(StripSuffix(Path.GetFileName(c)), folderName, StringComparison.OrdinalIgnoreCase));
                if (match is null)
                {
                    problem = "several apps in " + directory + " (" + string.Join(", ", candidates.Select(c => StripSuffix(Path.GetFileName(c)))) + "): name one, e.g. "
                        + Path.Combine(directory, StripSuffix(Path.GetFileName(candidates[0])) + ".dll");
                    return null;
                }

                name = StripSuffix(Path.GetFileName(match));
            }
            else if (candidates.Length == 1)
            {
                name = StripSuffix(Path.GetFileName(candidates[0]));
            }
            else
            {
                var executables = Directory.GetFiles(directory).Where(IsElf).Order(StringComparer.Ordinal).ToArray();
                if (executables.Length != 1)
                {
                    problem = "no .NET app found in " + directory + " (no *.runtimeconfig.json, no *.deps.json"
                        + (executables.Length > 1 ? ", several executables: name one" : string.Empty) + ")";
                    return null;
                }

                executable = executables[0];
                name = Path.GetFileName(executable);
            }
        }
        else if (File.Exists(path))
        {
            var full = Path.GetFullPath(path);
            directory = Path.GetDirectoryName(full)!;
            name = StripSuffix(Path.GetFileName(full));
            if (IsElf(full))
            {
                executable = full;
            }
        }
        else
        {
            problem = path + " does not exist";
            return null;
        }

        string? Existing(string file) => File.Exists(Path.Combine(directory, file)) ? Path.Combine(directory, file) : null;
        executable ??= Existing(name) is { } apphost && IsElf(apphost) ? apphost : null;
        return new AppFiles(directory, name, Existing(name + ".runtimeconfig.json"), Existing(name + ".deps.json"), Existing(name + ".dll"), executable);
    }

    /// <summary>Package and project libraries of a deps.json: name to version.</summary>
    internal static Dictionary<string, string> ReadLibraries(string depsJson)
    {
        var result = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        using var stream = File.OpenRead(depsJson);
        using var document = JsonDocument.Parse(stream, JsonOptions);
        if (document.RootElement.TryGetProperty("libraries", out var libraries) && libraries.ValueKind == JsonValueKind.Object)
        {
            foreach (var library in libraries.EnumerateObject())
            {
                var slash = library.Name.IndexOf('/', StringComparison.Ordinal);
                var name = slash > 0 ? library.Name[..slash] : library.Name;
                result[name] = slash > 0 ? library.Name[(slash + 1)..] : string.Empty;
            }
        }

        return result;
    }

    internal static bool IsElf(string file)
    {
        try
        {
            using var stream = File.OpenRead(file);
            Span<byte> magic = stackalloc byte[4];
            return stream.Read(magic) == 4 && magic[0] == 0x7f && magic[1] == (byte)'E' && magic[2] == (byte)'L' && magic[3] == (byte)'F';
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static string StripSuffix(string fileName)
    {
        foreach (var suffix in Suffixes)
        {
            if (fileName.EndsWith(suffix, StringComparison.OrdinalIgnoreCase))
            {
                return fileName[..^suffix.Length];
            }
        }

        return fileName;
    }
}
