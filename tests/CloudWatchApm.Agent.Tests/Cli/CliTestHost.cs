// Test doubles for the CLI's seams and builders for synthetic agent homes, tarballs and
// apps. Nothing here touches the test process's own environment.
using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;

namespace CloudWatchApm.Cli.Tests;

internal sealed class FakeConsole : IConsole
{
    private readonly StringWriter _out = new() { NewLine = "\n" };
    private readonly StringWriter _error = new() { NewLine = "\n" };

    public TextWriter Out => _out;

    public TextWriter Error => _error;

    public string OutText => _out.ToString();

    public string ErrorText => _error.ToString();
}

internal sealed class FakeEnvironment : ICliEnvironment
{
    public Dictionary<string, string> Variables { get; } = new(StringComparer.Ordinal);

    public string? Get(string name) => Variables.TryGetValue(name, out var value) ? value : null;

    public IReadOnlyDictionary<string, string> GetAll() => new Dictionary<string, string>(Variables, StringComparer.Ordinal);

    public string UserHome { get; set; } = "/nonexistent-home";

    public bool IsRoot { get; set; }

    public string BaseDirectory { get; set; } = "/nonexistent-cli";

    public string ProcRoot { get; set; } = "/nonexistent-proc";
}

/// <summary>Records the exec instead of doing it; returns 0 ("replaced").</summary>
internal sealed class RecordingExec : IProcessReplacer
{
    public string? Path { get; private set; }

    public IReadOnlyList<string>? Argv { get; private set; }

    public IReadOnlyDictionary<string, string>? Environment { get; private set; }

    public int Exec(string path, IReadOnlyList<string> argv, IReadOnlyDictionary<string, string> environment, out string error)
    {
        Path = path;
        Argv = [.. argv];
        Environment = new Dictionary<string, string>(environment, StringComparer.Ordinal);
        error = string.Empty;
        return 0;
    }
}

internal sealed class TempDirectory : IDisposable
{
    public TempDirectory()
    {
        Path = Directory.CreateTempSubdirectory("cwapm-cli-test-").FullName;
    }

    public string Path { get; }

    public string Combine(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

internal sealed class CliRun
{
    public CliRun(FakeEnvironment? environment = null)
    {
        Environment = environment ?? new FakeEnvironment();
        Context = new CliContext(Console, Environment) { Exec = Exec };
    }

    public FakeConsole Console { get; } = new();

    public FakeEnvironment Environment { get; }

    public RecordingExec Exec { get; } = new();

    public CliContext Context { get; }

    public int Invoke(params string[] args) => CliApp.Run(Context, args);
}

internal static class TestHomes
{
    /// <summary>A complete agent home with checksums.sha256, shaped like build.sh's.</summary>
    public static string Create(string directory, string version = "0.1.0", params string[] storeTfms)
    {
        Directory.CreateDirectory(directory);
        Write(directory, "cwapm", "#!/bin/sh\necho cwapm\n");
        MakeExecutable(System.IO.Path.Combine(directory, "cwapm"));
        Write(directory, "instrument.sh", "#!/bin/sh\n");
        Write(directory, "hook/CloudWatchApm.Agent.StartupHook.dll", "hook " + version);
        Write(directory, "agent/net8.0/CloudWatchApm.Agent.dll", "agent " + version);
        Write(directory, "agent/net9.0/CloudWatchApm.Agent.dll", "agent " + version);
        Write(directory, "agent/net10.0/CloudWatchApm.Agent.dll", "agent " + version);
        Write(directory, "agent/OpenTelemetry.dll", "otel");
        Write(directory, "additional-deps/shared/Microsoft.NETCore.App/8.0.0/CloudWatchApm.Agent.deps.json", "{}");
        Write(directory, "additional-deps/shared/Microsoft.NETCore.App/9.0.0/CloudWatchApm.Agent.deps.json", "{}");
        foreach (var tfm in storeTfms.Length == 0 ? ["net8.0", "net9.0"] : storeTfms)
        {
            Write(directory, "store/x64/" + tfm + "/system.diagnostics.diagnosticsource/10.0.0/lib/net8.0/System.Diagnostics.DiagnosticSource.dll", "ds");
        }

        Write(directory, "VERSION", version + "\n");
        Write(directory, "LICENSE", "license");
        WriteChecksums(directory);
        return directory;
    }

    public static void WriteChecksums(string home)
    {
        var sb = new StringBuilder();
        foreach (var file in Directory.EnumerateFiles(home, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            var relative = System.IO.Path.GetRelativePath(home, file);
            if (relative != "checksums.sha256")
            {
                sb.Append(Sha256(file)).Append("  ").Append(relative).Append('\n');
            }
        }

        File.WriteAllText(System.IO.Path.Combine(home, "checksums.sha256"), sb.ToString());
    }

    /// <summary>cwapm-&lt;version&gt;-linux-x64.tar.gz with a top-level cwapm/ folder, and its .sha256.</summary>
    public static string Tarball(string outputDirectory, string version, Action<string>? tamper = null)
    {
        var staging = System.IO.Path.Combine(outputDirectory, "staging-" + version, "cwapm");
        Create(staging, version);
        tamper?.Invoke(staging);
        var tarball = System.IO.Path.Combine(outputDirectory, "cwapm-" + version + "-linux-x64.tar.gz");
        using (var file = File.Create(tarball))
        using (var gzip = new GZipStream(file, CompressionLevel.Fastest))
        {
            TarFile.CreateFromDirectory(staging, gzip, includeBaseDirectory: true);
        }

        File.WriteAllText(tarball + ".sha256", Sha256(tarball) + "  " + System.IO.Path.GetFileName(tarball) + "\n");
        Directory.Delete(System.IO.Path.GetDirectoryName(staging)!, recursive: true);
        return tarball;
    }

    /// <summary>The agent is Linux-only; the guard keeps the platform analyzer satisfied.</summary>
    public static void MakeExecutable(string file)
    {
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(file, (UnixFileMode)0b111_101_101);
        }
    }

    public static bool IsExecutable(string file)
        => OperatingSystem.IsWindows() || (File.GetUnixFileMode(file) & UnixFileMode.UserExecute) != 0;

    public static string Sha256(string file)
    {
        using var stream = File.OpenRead(file);
        return Convert.ToHexString(SHA256.HashData(stream)).ToLowerInvariant();
    }

    public static void Write(string root, string relative, string content)
    {
        var path = System.IO.Path.Combine(root, relative);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
    }
}

internal static class TestApps
{
    public static string RuntimeConfig(string tfm, string frameworkName, string version, bool selfContained = false, string? configProperties = null)
    {
        var frameworks = selfContained
            ? $"\"includedFrameworks\": [ {{ \"name\": \"{frameworkName}\", \"version\": \"{version}\" }} ]"
            : $"\"framework\": {{ \"name\": \"{frameworkName}\", \"version\": \"{version}\" }}";
        var properties = configProperties is null ? string.Empty : ",\n    \"configProperties\": { " + configProperties + " }";
        return "{\n  \"runtimeOptions\": {\n    \"tfm\": \"" + tfm + "\",\n    " + frameworks + properties + "\n  }\n}\n";
    }

    public static string DepsJson(string appName, params (string Name, string Version)[] packages)
    {
        var libraries = new StringBuilder();
        libraries.Append($"    \"{appName}/1.0.0\": {{ \"type\": \"project\", \"serviceable\": false, \"sha512\": \"\" }}");
        foreach (var (name, version) in packages)
        {
            libraries.Append($",\n    \"{name}/{version}\": {{ \"type\": \"package\", \"serviceable\": true, \"sha512\": \"sha512-x\", \"path\": \"{name.ToLowerInvariant()}/{version}\" }}");
        }

        return "{\n  \"runtimeTarget\": { \"name\": \".NETCoreApp,Version=v8.0\", \"signature\": \"\" },\n  \"compilationOptions\": {},\n"
            + "  \"targets\": { \".NETCoreApp,Version=v8.0\": {} },\n  \"libraries\": {\n" + libraries + "\n  }\n}\n";
    }

    public static string Create(string directory, string name, string runtimeConfig, string? depsJson = null)
    {
        Directory.CreateDirectory(directory);
        File.WriteAllText(System.IO.Path.Combine(directory, name + ".runtimeconfig.json"), runtimeConfig);
        File.WriteAllText(System.IO.Path.Combine(directory, name + ".deps.json"), depsJson ?? DepsJson(name));
        File.WriteAllBytes(System.IO.Path.Combine(directory, name + ".dll"), [0x4d, 0x5a, 0, 0]);
        return directory;
    }
}
