// build/install.sh, for machines that have only the tarball and a shell: installs, upgrades
// in place, and leaves the previous home untouched when the tarball is bad.
using CloudWatchApm.Agent.IntegrationTests.Infrastructure;
using Xunit;

namespace CloudWatchApm.Agent.IntegrationTests.Cli;

public sealed class InstallScriptTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "cwapm-install-sh-" + Guid.NewGuid().ToString("N"));

    public InstallScriptTests()
    {
        TestPaths.RequireAgentHome();
        Directory.CreateDirectory(_root);
    }

    private static string Tarball => Directory.GetFiles(TestPaths.Artifacts, "cwapm-*-linux-x64.tar.gz").Single();

    private static string Script => Path.Combine(TestPaths.Artifacts, "install.sh");

    [Fact]
    public async Task InstallScript_FreshThenUpgrade_HomeCompleteAndNoStagingLeft()
    {
        var home = Path.Combine(_root, "home");
        var first = await InstalledCwapm.RunAsync("/bin/sh", [Script, "--dir", home, Tarball], new Dictionary<string, string?>());
        Assert.True(first.ExitCode == 0, first.ToString());
        Assert.Contains("matches its .sha256", first.Stdout, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(home, "hook", "CloudWatchApm.Agent.StartupHook.dll")));
        Assert.Contains("Environment=DOTNET_STARTUP_HOOKS=" + home + "/hook/CloudWatchApm.Agent.StartupHook.dll", first.Stdout, StringComparison.Ordinal);

        File.WriteAllText(Path.Combine(home, "VERSION"), "old\n");
        var upgrade = await InstalledCwapm.RunAsync("/bin/sh", [Script, "--dir", home, Tarball], new Dictionary<string, string?>());
        Assert.True(upgrade.ExitCode == 0, upgrade.ToString());
        Assert.NotEqual("old", File.ReadAllText(Path.Combine(home, "VERSION")).Trim());
        Assert.Equal(["home"], Directory.GetFileSystemEntries(_root).Select(Path.GetFileName));
    }

    [Fact]
    public async Task InstallScript_TarballWithWrongSha_FailsAndKeepsPreviousHome()
    {
        var home = Path.Combine(_root, "home");
        Assert.Equal(0, (await InstalledCwapm.RunAsync("/bin/sh", [Script, "--dir", home, Tarball], new Dictionary<string, string?>())).ExitCode);

        var bad = Path.Combine(_root, "bad.tar.gz");
        File.Copy(Tarball, bad);
        File.WriteAllText(bad + ".sha256", new string('0', 64) + "  bad.tar.gz\n");
        var failed = await InstalledCwapm.RunAsync("/bin/sh", [Script, "--dir", home, bad], new Dictionary<string, string?>());

        Assert.Equal(1, failed.ExitCode);
        Assert.Contains("checksum mismatch", failed.Stderr, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(home, "hook", "CloudWatchApm.Agent.StartupHook.dll")));
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);
}
