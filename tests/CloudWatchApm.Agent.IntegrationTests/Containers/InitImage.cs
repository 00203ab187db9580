// The init image as a container runtime sees it, without a Docker engine: the OCI layout and the
// `docker load` tarballs that build/container/build-image.sh writes (built here when missing or
// older than the agent home), their configuration and root file system, and the image's command
// run in a chroot of its unpacked root file system against a volume folder.
using System.Diagnostics;
using System.Formats.Tar;
using System.Text;
using System.Text.Json;
using CloudWatchApm.Agent.IntegrationTests.Infrastructure;

namespace CloudWatchApm.Agent.IntegrationTests.Containers;

internal static class InitImage
{
    internal const string Name = "cwapm-init";

    /// <summary>Where the image's payload sits inside it (also the Operator's source folder).</summary>
    internal const string PayloadFolder = "autoinstrumentation";

    /// <summary>The user the init container runs as in our manifests (non-root, like the Operator may).</summary>
    internal const string InitUser = "65532:65532";

    internal static readonly string[] Architectures = ["amd64", "arm64"];

    private static readonly Lazy<string> Built = new(Build, LazyThreadSafetyMode.ExecutionAndPublication);
    private static readonly Dictionary<string, ImageArchive> Archives = [];

    internal static string OutputDirectory => Path.Combine(TestPaths.Artifacts, "container");

    internal static string Layout => Path.Combine(Ensure(), "oci");

    internal static string Version => File.ReadAllText(Path.Combine(TestPaths.AgentHome, "VERSION")).Trim();

    internal static string Rid(string arch) => arch == "arm64" ? "linux-arm64" : "linux-x64";

    internal static string Tarball(string arch) => Path.Combine(Ensure(), $"{Name}-{Version}-{Rid(arch)}.tar");

    /// <summary>The image as `docker load` would read it, parsed once per architecture.</summary>
    internal static ImageArchive Archive(string arch)
    {
        lock (Archives)
        {
            if (!Archives.TryGetValue(arch, out var archive))
            {
                archive = ImageArchive.Read(Tarball(arch));
                Archives[arch] = archive;
            }

            return archive;
        }
    }

    /// <summary>Reads a blob of the OCI layout by digest ("sha256:...").</summary>
    internal static JsonDocument LayoutBlob(string digest) =>
        JsonDocument.Parse(File.ReadAllBytes(Path.Combine(Layout, "blobs", "sha256", digest["sha256:".Length..])));

    /// <summary>The layout's index.json entry named <paramref name="tag"/>.</summary>
    internal static JsonElement LayoutTag(string tag)
    {
        using var index = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(Layout, "index.json")));
        foreach (var m in index.RootElement.GetProperty("manifests").EnumerateArray())
        {
            if (m.TryGetProperty("annotations", out var a) && a.TryGetProperty("org.opencontainers.image.ref.name", out var name) && name.GetString() == tag)
            {
                return m.Clone();
            }
        }

        throw new InvalidOperationException($"the OCI layout {Layout} has no tag {tag}");
    }

    /// <summary>
    /// Unpacks the image with umoci into a new folder (a runtime bundle: rootfs/ and config.json).
    /// The caller deletes it.
    /// </summary>
    internal static Bundle Unpack(string arch)
    {
        RequireRoot();
        var dir = Path.Combine(Path.GetTempPath(), "cwapm-bundle-" + Guid.NewGuid().ToString("N"));
        var result = Command.Run("umoci", ["unpack", "--image", $"{Layout}:{Version}-{arch}", dir], TimeSpan.FromMinutes(2));
        result.AssertSuccess("umoci unpack");
        return new Bundle(dir);
    }

    internal static void RequireRoot()
    {
        if (Environment.UserName != "root" && Command.Run("id", ["-u"], TimeSpan.FromSeconds(10)).Stdout.Trim() != "0")
        {
            throw new InvalidOperationException("the container tests unpack images and chroot into them: run them as root");
        }
    }

    private static string Ensure() => Built.Value;

    // Builds the images when they are missing or older than the agent home they hold.
    private static string Build()
    {
        TestPaths.RequireAgentHome();
        var dir = OutputDirectory;
        var home = TestPaths.AgentHome;
        var version = File.ReadAllText(Path.Combine(home, "VERSION")).Trim();
        var homeTime = File.GetLastWriteTimeUtc(Path.Combine(home, "checksums.sha256"));
        var fresh = File.Exists(Path.Combine(dir, "oci", "index.json")) && Architectures.All(a =>
        {
            var tarball = Path.Combine(dir, $"{Name}-{version}-{Rid(a)}.tar");
            return File.Exists(tarball) && File.GetLastWriteTimeUtc(tarball) >= homeTime;
        });
        if (fresh)
        {
            return dir;
        }

        var script = Path.Combine(TestPaths.RepoRoot, "build", "container", "build-image.sh");
        var env = new Dictionary<string, string?> { ["CWAPM_ARTIFACTS"] = TestPaths.Artifacts };
        var result = Command.Run("bash", [script, "--home-x64", home, "--out", dir], TimeSpan.FromMinutes(10), env);
        result.AssertSuccess("build/container/build-image.sh");
        return dir;
    }
}

/// <summary>An unpacked image: <c>rootfs/</c> and the runtime configuration umoci derived from the image config.</summary>
internal sealed class Bundle(string directory) : IDisposable
{
    internal string Directory { get; } = directory;

    internal string RootFs => Path.Combine(Directory, "rootfs");

    /// <summary>process.args of the runtime configuration: the image's ENTRYPOINT + CMD.</summary>
    internal IReadOnlyList<string> Args => Process("args").EnumerateArray().Select(a => a.GetString()!).ToList();

    internal IReadOnlyList<string> Env => Process("env").EnumerateArray().Select(a => a.GetString()!).ToList();

    /// <summary>
    /// Runs <paramref name="args"/> the way a runtime runs a container: chrooted into the root file
    /// system, as <see cref="InitImage.InitUser"/>, with only the image's environment, after creating
    /// the volume's mount point <paramref name="mountPoint"/> (world-writable, like an emptyDir).
    /// Returns the volume folder on this machine.
    /// </summary>
    internal string RunInit(IReadOnlyList<string> args, string mountPoint)
    {
        var volume = Path.Combine(RootFs, mountPoint.TrimStart('/'));
        System.IO.Directory.CreateDirectory(volume);
        if (OperatingSystem.IsLinux())
        {
            File.SetUnixFileMode(volume, (UnixFileMode)0x1FF);
        }

        var env = Env.Select(e => e.Split('=', 2)).ToDictionary(p => p[0], p => (string?)p[1]);
        var result = Command.Run("/usr/sbin/chroot", ["--userspec=" + InitImage.InitUser, RootFs, .. args], TimeSpan.FromMinutes(1), env, clearEnvironment: true);
        result.AssertSuccess("the init container's command " + string.Join(' ', args));
        return volume;
    }

    public void Dispose()
    {
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a temp folder.
        }
    }

    private JsonElement Process(string property)
    {
        using var doc = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(Directory, "config.json")));
        return doc.RootElement.GetProperty("process").GetProperty(property).Clone();
    }
}

/// <summary>A `docker load` tarball (docker-archive): its manifest, image configuration and the one layer's entries.</summary>
internal sealed class ImageArchive
{
    private const string ConfigKey = "Config"; // manifest.json's name for the configuration blob

    private ImageArchive(JsonElement manifest, JsonElement config, IReadOnlyList<LayerEntry> entries)
    {
        Manifest = manifest;
        Config = config;
        Entries = entries;
    }

    /// <summary>manifest.json's single element (Config, RepoTags, Layers).</summary>
    internal JsonElement Manifest { get; }

    /// <summary>The image configuration (architecture, os, config.Entrypoint/Cmd/Env/Labels).</summary>
    internal JsonElement Config { get; }

    /// <summary>Every entry of every layer, paths without a leading "./" or "/" and without a trailing "/".</summary>
    internal IReadOnlyList<LayerEntry> Entries { get; }

    /// <summary>Regular files, and hard links to them (with the same bytes).</summary>
    internal IEnumerable<LayerEntry> Files => Entries.Where(e => e.Type is TarEntryType.RegularFile or TarEntryType.V7RegularFile or TarEntryType.HardLink);

    internal LayerEntry? Find(string path) => Entries.FirstOrDefault(e => e.Path == path.Trim('/'));

    internal IReadOnlyList<string> ConfigStrings(string property) =>
        Config.GetProperty("config").TryGetProperty(property, out var v) && v.ValueKind == JsonValueKind.Array
            ? v.EnumerateArray().Select(x => x.GetString()!).ToList()
            : [];

    internal static ImageArchive Read(string tarball)
    {
        var blobs = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        using (var stream = File.OpenRead(tarball))
        using (var reader = new TarReader(stream))
        {
            while (reader.GetNextEntry() is { } entry)
            {
                if (entry.DataStream is not null)
                {
                    using var ms = new MemoryStream();
                    entry.DataStream.CopyTo(ms);
                    blobs[entry.Name] = ms.ToArray();
                }
            }
        }

        var manifest = JsonDocument.Parse(blobs["manifest.json"]).RootElement.EnumerateArray().Single().Clone();
        var config = JsonDocument.Parse(blobs[manifest.GetProperty(ConfigKey).GetString()!]).RootElement.Clone();
        var entries = new List<LayerEntry>();
        foreach (var layer in manifest.GetProperty("Layers").EnumerateArray())
        {
            var name = layer.GetString()!;
            // The layer may be stored under its own name or as <id>/layer.tar pointing at it.
            var bytes = blobs.TryGetValue(name, out var b) ? b : throw new InvalidOperationException($"{tarball}: layer {name} not found");
            using var reader = new TarReader(new MemoryStream(bytes));
            while (reader.GetNextEntry() is { } entry)
            {
                byte[]? data = null;
                if (entry.DataStream is not null)
                {
                    using var ms = new MemoryStream();
                    entry.DataStream.CopyTo(ms);
                    data = ms.ToArray();
                }

                var path = entry.Name.StartsWith("./", StringComparison.Ordinal) ? entry.Name[2..] : entry.Name;
                path = path.Trim('/');
                if (path.Length == 0 || path == ".")
                {
                    continue; // the root folder itself
                }

                if (entry.EntryType == TarEntryType.HardLink)
                {
                    // A second name for a file stored earlier in the layer: the same bytes.
                    var target = entry.LinkName.StartsWith("./", StringComparison.Ordinal) ? entry.LinkName[2..] : entry.LinkName;
                    data = entries.Single(e => e.Path == target.Trim('/')).Data;
                }

                entries.Add(new LayerEntry(path, entry.EntryType, entry.LinkName, entry.Mode, entry.Uid, entry.Gid, data));
            }
        }

        return new ImageArchive(manifest, config, entries);
    }
}

internal sealed record LayerEntry(string Path, TarEntryType Type, string LinkName, UnixFileMode Mode, int Uid, int Gid, byte[]? Data);

/// <summary>A finished command: exit code and output.</summary>
internal sealed record CommandResult(string Description, int ExitCode, string Stdout, string Stderr)
{
    internal void AssertSuccess(string what)
    {
        if (ExitCode != 0)
        {
            throw new InvalidOperationException($"{what} failed with exit code {ExitCode} ({Description})\nstdout:\n{Stdout}\nstderr:\n{Stderr}");
        }
    }
}

internal static class Command
{
    internal static CommandResult Run(string file, IEnumerable<string> args, TimeSpan timeout, IDictionary<string, string?>? environment = null, bool clearEnvironment = false)
    {
        var psi = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        if (clearEnvironment)
        {
            psi.Environment.Clear();
        }

        foreach (var (key, value) in environment ?? new Dictionary<string, string?>())
        {
            if (value is null)
            {
                psi.Environment.Remove(key);
            }
            else
            {
                psi.Environment[key] = value;
            }
        }

        using var process = Process.Start(psi) ?? throw new InvalidOperationException("cannot start " + file);
        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (stdout)
                {
                    stdout.AppendLine(e.Data);
                }
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (stderr)
                {
                    stderr.AppendLine(e.Data);
                }
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', psi.ArgumentList)} did not finish within {timeout}");
        }

        process.WaitForExit();
        lock (stdout)
        {
            lock (stderr)
            {
                return new CommandResult(file + " " + string.Join(' ', psi.ArgumentList), process.ExitCode, stdout.ToString(), stderr.ToString());
            }
        }
    }
}
