// The init image from the outside: what `docker load` would read (configuration, one layer),
// what a registry would get from the OCI layout, and what the layer holds, byte for byte.
using System.Formats.Tar;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.RegularExpressions;
using CloudWatchApm.Agent.IntegrationTests.Infrastructure;
using Xunit;

namespace CloudWatchApm.Agent.IntegrationTests.Containers;

public sealed partial class InitImageTests
{
    private const string Payload = InitImage.PayloadFolder + "/";

    public InitImageTests() => TestPaths.RequireAgentHome();

    [Theory]
    [InlineData("amd64")]
    [InlineData("arm64")]
    public void Tarball_ConfigNamesItsArchitecture_AndCopiesTheHomeIntoTheContainerHome(string arch)
    {
        var image = InitImage.Archive(arch);
        Assert.Equal(arch, image.Config.GetProperty("architecture").GetString());
        Assert.Equal("linux", image.Config.GetProperty("os").GetString());
        Assert.Equal(["/bin/cp", "-r", "/" + InitImage.PayloadFolder + "/."], image.ConfigStrings("Entrypoint"));
        Assert.Equal([Manifests.ContainerHome], image.ConfigStrings("Cmd"));
        Assert.Contains("PATH=/bin", image.ConfigStrings("Env"));
        var tag = Assert.Single(image.Manifest.GetProperty("RepoTags").EnumerateArray()).GetString()!;
        Assert.EndsWith("/" + InitImage.Name + ":" + InitImage.Version, "/" + tag, StringComparison.Ordinal);
        Assert.Single(image.Manifest.GetProperty("Layers").EnumerateArray());

        // The OCI layout holds the same configuration under <version>-<arch> ...
        using var manifest = InitImage.LayoutBlob(InitImage.LayoutTag(InitImage.Version + "-" + arch).GetProperty("digest").GetString()!);
        using var config = InitImage.LayoutBlob(manifest.RootElement.GetProperty("config").GetProperty("digest").GetString()!);
        Assert.Equal(arch, config.RootElement.GetProperty("architecture").GetString());
        Assert.Equal(image.Config.GetProperty("rootfs").GetRawText(), config.RootElement.GetProperty("rootfs").GetRawText());
    }

    [Fact]
    public void Layout_VersionTag_IsAnIndexOverBothPlatforms()
    {
        var entry = InitImage.LayoutTag(InitImage.Version);
        Assert.Equal("application/vnd.oci.image.index.v1+json", entry.GetProperty("mediaType").GetString());
        using var index = InitImage.LayoutBlob(entry.GetProperty("digest").GetString()!);
        var platforms = index.RootElement.GetProperty("manifests").EnumerateArray()
            .ToDictionary(m => m.GetProperty("platform").GetProperty("architecture").GetString()!, m => m.GetProperty("digest").GetString());
        Assert.Equal(["amd64", "arm64"], platforms.Keys.Order().ToArray());
        foreach (var arch in InitImage.Architectures)
        {
            Assert.Equal(InitImage.LayoutTag(InitImage.Version + "-" + arch).GetProperty("digest").GetString(), platforms[arch]);
        }
    }

    [Theory]
    [InlineData("amd64")]
    [InlineData("arm64")]
    public void Layer_HoldsNothingButBusyboxAndTheAgentHome(string arch)
    {
        var image = InitImage.Archive(arch);
        var unexpected = image.Entries.Where(e => !(
            e.Path is "bin" or "bin/busybox" or "usr" or "usr/share" or "usr/share/doc" or "usr/share/doc/busybox-static" or "usr/share/doc/busybox-static/copyright"
            || (e.Path.StartsWith("bin/", StringComparison.Ordinal) && e.Type == TarEntryType.SymbolicLink && e.LinkName == "busybox")
            || e.Path == InitImage.PayloadFolder || e.Path.StartsWith(Payload, StringComparison.Ordinal))).Select(e => e.Path).ToList();
        Assert.True(unexpected.Count == 0, "unexpected entries: " + string.Join(", ", unexpected));

        var busybox = image.Find("bin/busybox");
        Assert.NotNull(busybox);
        Assert.Equal(arch, BinaryHeaders.ElfMachine(busybox.Data!));
        Assert.NotNull(image.Find("bin/cp"));
        Assert.NotNull(image.Find("bin/sh"));

        // Owned by root, readable by any user the init container runs as, nothing setuid or writable by others.
        Assert.All(image.Entries, e =>
        {
            Assert.Equal(0, e.Uid);
            Assert.Equal(0, e.Gid);
            if (e.Type != TarEntryType.SymbolicLink)
            {
                Assert.True(e.Mode.HasFlag(UnixFileMode.OtherRead), e.Path + " is not readable by others");
                Assert.False(e.Mode.HasFlag(UnixFileMode.OtherWrite), e.Path + " is writable by others");
                Assert.False(e.Mode.HasFlag(UnixFileMode.SetUser), e.Path + " is setuid");
            }
        });
    }

    [Theory]
    [InlineData("amd64")]
    [InlineData("arm64")]
    public void Payload_IsTheAgentHomePlusTheOperatorPaths_AndMatchesItsChecksums(string arch)
    {
        var image = InitImage.Archive(arch);
        var files = image.Files.Where(e => e.Path.StartsWith(Payload, StringComparison.Ordinal))
            .ToDictionary(e => e.Path[Payload.Length..], e => e.Data!, StringComparer.Ordinal);

        // checksums.sha256 lists every other file, and each one matches.
        var listed = ChecksumLine().Matches(System.Text.Encoding.UTF8.GetString(files["checksums.sha256"]))
            .ToDictionary(m => m.Groups[2].Value, m => m.Groups[1].Value, StringComparer.Ordinal);
        Assert.Equal(files.Keys.Where(k => k != "checksums.sha256").Order(StringComparer.Ordinal), listed.Keys.Order(StringComparer.Ordinal));
        Assert.All(listed, l => Assert.Equal(l.Value, Convert.ToHexStringLower(SHA256.HashData(files[l.Key]))));

        // The Operator's paths: our hook under its name, the additional deps under its folder name.
        Assert.Equal(files["hook/CloudWatchApm.Agent.StartupHook.dll"], files["net/OpenTelemetry.AutoInstrumentation.StartupHook.dll"]);
        var additionalDeps = files.Keys.Where(k => k.StartsWith("additional-deps/", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(additionalDeps);
        Assert.All(additionalDeps, k => Assert.Equal(files[k], files["AdditionalDeps/" + k["additional-deps/".Length..]]));

        // The store has exactly this architecture's folder (the host probes store/<its arch>/<tfm>).
        var storeArch = arch == "arm64" ? "arm64" : "x64";
        var storeFolders = files.Keys.Where(k => k.StartsWith("store/", StringComparison.Ordinal)).Select(k => k.Split('/')[1]).Distinct().ToList();
        Assert.Equal([storeArch], storeFolders);

        // The x64 image carries the agent home that build/build.sh made, file for file.
        if (arch == "amd64")
        {
            var home = TestPaths.AgentHome;
            foreach (var file in Directory.GetFiles(home, "*", SearchOption.AllDirectories))
            {
                var relative = Path.GetRelativePath(home, file).Replace('\\', '/');
                if (relative != "checksums.sha256")
                {
                    Assert.True(files.TryGetValue(relative, out var bytes), relative + " of the agent home is missing from the image");
                    Assert.True(bytes.AsSpan().SequenceEqual(File.ReadAllBytes(file)), relative + " differs from the agent home");
                }
            }

            Assert.Equal(["AdditionalDeps", "net"], files.Keys.Where(k => !File.Exists(Path.Combine(home, k))).Select(k => k.Split('/')[0]).Distinct().Order());
        }
    }

    [Theory]
    [InlineData("amd64")]
    [InlineData("arm64")]
    public void ManagedCode_IsForTheImagesArchitectureOrIlOnly(string arch)
    {
        var image = InitImage.Archive(arch);
        var kinds = image.Files.Where(e => e.Path.EndsWith(".dll", StringComparison.Ordinal))
            .ToDictionary(e => e.Path, e => BinaryHeaders.ManagedCode(e.Data!));
        Assert.NotEmpty(kinds);
        string[] allowed = ["il", "il-" + arch, "r2r-linux-" + arch];
        var wrong = kinds.Where(k => !allowed.Contains(k.Value)).Select(k => $"{k.Key}: {k.Value}").ToList();
        Assert.True(wrong.Count == 0, $"code for another architecture in the {arch} image: " + string.Join(", ", wrong));
    }

    [Fact]
    public void Dockerfile_DescribesTheSameImage()
    {
        var text = File.ReadAllText(Path.Combine(TestPaths.RepoRoot, "build", "container", "Dockerfile"));
        var config = InitImage.Archive("amd64").Config.GetProperty("config");
        Assert.Equal(config.GetProperty("Entrypoint").EnumerateArray().Select(e => e.GetString()), JsonArrayInstruction(text, "ENTRYPOINT"));
        Assert.Equal(config.GetProperty("Cmd").EnumerateArray().Select(e => e.GetString()), JsonArrayInstruction(text, "CMD"));
        Assert.Matches(@"(?m)^ENV PATH=/bin$", text);
        Assert.Matches(@"(?m)^WORKDIR /$", text);
        Assert.Contains("COPY ${TARGETARCH}/" + InitImage.PayloadFolder + "/ /" + InitImage.PayloadFolder + "/", text, StringComparison.Ordinal);
        foreach (var label in config.GetProperty("Labels").EnumerateObject())
        {
            var expected = label.Name == "org.opencontainers.image.version" ? "${VERSION}" : label.Value.GetString();
            Assert.Contains($"{label.Name}=\"{expected}\"", text, StringComparison.Ordinal);
        }

        // The build context the Dockerfile reads is the payload the tarballs hold.
        foreach (var arch in InitImage.Architectures)
        {
            var context = Path.Combine(InitImage.OutputDirectory, "context", arch, InitImage.PayloadFolder);
            var inImage = InitImage.Archive(arch).Files.Where(e => e.Path.StartsWith(Payload, StringComparison.Ordinal)).Select(e => e.Path[Payload.Length..]).Order(StringComparer.Ordinal);
            var inContext = Directory.GetFiles(context, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(context, f)).Order(StringComparer.Ordinal);
            Assert.Equal(inImage, inContext);
        }
    }

    private static string[] JsonArrayInstruction(string dockerfile, string instruction)
    {
        var line = Assert.Single(dockerfile.Split('\n'), l => l.StartsWith(instruction + " ", StringComparison.Ordinal));
        return JsonSerializer.Deserialize<string[]>(line[(instruction.Length + 1)..])!;
    }

    [GeneratedRegex(@"(?m)^([0-9a-f]{64})  (.+)$")]
    private static partial Regex ChecksumLine();
}
