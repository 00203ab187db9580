using Xunit;

namespace CloudWatchApm.Cli.Tests;

public sealed class InstallCommandTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    private string Target => _temp.Combine("opt", "cwapm");

    private static string Version(string home) => File.ReadAllText(Path.Combine(home, "VERSION")).Trim();

    private void AssertNoLeftovers() =>
        Assert.Equal(["cwapm"], Directory.GetFileSystemEntries(_temp.Combine("opt")).Select(Path.GetFileName));

    [Fact]
    public void Install_GoodTarball_InstallsVerifiedHomeAndPrintsActivation()
    {
        var tarball = TestHomes.Tarball(_temp.Path, "0.2.0");
        var run = new CliRun();

        Assert.Equal(0, run.Invoke("install", "--dir", Target, "--from", tarball));

        Assert.Equal("0.2.0", Version(Target));
        Assert.True(File.Exists(Path.Combine(Target, "hook", "CloudWatchApm.Agent.StartupHook.dll")));
        Assert.True(TestHomes.IsExecutable(Path.Combine(Target, "cwapm")), "cwapm lost its executable bit");
        var text = run.Console.OutText;
        Assert.Contains("sha256 of cwapm-0.2.0-linux-x64.tar.gz matches", text, StringComparison.Ordinal);
        Assert.Contains("Installed cwapm 0.2.0 in " + Target + ".", text, StringComparison.Ordinal);
        Assert.Contains("  export DOTNET_STARTUP_HOOKS='" + Target + "/hook/CloudWatchApm.Agent.StartupHook.dll'", text, StringComparison.Ordinal);
        Assert.Contains("  Environment=\"DOTNET_ADDITIONAL_DEPS=" + Target + "/additional-deps\"", text, StringComparison.Ordinal);
        Assert.Contains(Target + "/cwapm doctor", text, StringComparison.Ordinal);
        AssertNoLeftovers();
    }

    [Fact]
    public void Install_NewerTarballOverExisting_UpgradesInPlace()
    {
        var run = new CliRun();
        Assert.Equal(0, run.Invoke("install", "--dir", Target, "--from", TestHomes.Tarball(_temp.Path, "0.1.0")));

        Assert.Equal(0, run.Invoke("install", "--dir", Target, "--from", TestHomes.Tarball(_temp.Path, "0.2.0")));

        Assert.Equal("0.2.0", Version(Target));
        Assert.Contains("Upgraded " + Target + " from 0.1.0 to 0.2.0.", run.Console.OutText, StringComparison.Ordinal);
        Assert.Contains("hook 0.2.0", File.ReadAllText(Path.Combine(Target, "hook", "CloudWatchApm.Agent.StartupHook.dll")), StringComparison.Ordinal);
        AssertNoLeftovers();
    }

    [Fact]
    public void Install_BadSha_FailsAndLeavesPreviousInstallIntact()
    {
        var run = new CliRun();
        Assert.Equal(0, run.Invoke("install", "--dir", Target, "--from", TestHomes.Tarball(_temp.Path, "0.1.0")));
        var tarball = TestHomes.Tarball(_temp.Path, "0.2.0");
        File.WriteAllText(tarball + ".sha256", new string('0', 64) + "  cwapm-0.2.0-linux-x64.tar.gz\n");

        var failed = new CliRun();
        Assert.Equal(1, failed.Invoke("install", "--dir", Target, "--from", tarball));

        Assert.Contains("sha256 mismatch for " + tarball, failed.Console.ErrorText, StringComparison.Ordinal);
        Assert.Contains("Nothing was changed in " + Target, failed.Console.ErrorText, StringComparison.Ordinal);
        Assert.Equal("0.1.0", Version(Target));
        Assert.True(Checksums.Verify(Target).Ok);
        AssertNoLeftovers();
    }

    [Fact]
    public void Install_TamperedFileInsideTarball_FailsAndLeavesPreviousInstallIntact()
    {
        var run = new CliRun();
        Assert.Equal(0, run.Invoke("install", "--dir", Target, "--from", TestHomes.Tarball(_temp.Path, "0.1.0")));
        var tarball = TestHomes.Tarball(_temp.Path, "0.2.0", home => File.AppendAllText(Path.Combine(home, "agent", "net10.0", "CloudWatchApm.Agent.dll"), "!"));

        var failed = new CliRun();
        Assert.Equal(1, failed.Invoke("install", "--dir", Target, "--from", tarball));

        Assert.Contains("checksum mismatch for agent/net10.0/CloudWatchApm.Agent.dll", failed.Console.ErrorText, StringComparison.Ordinal);
        Assert.Equal("0.1.0", Version(Target));
        AssertNoLeftovers();
    }

    [Fact]
    public void Install_TarballWithoutShaFile_ReliesOnInnerChecksums()
    {
        var tarball = TestHomes.Tarball(_temp.Path, "0.2.0");
        File.Delete(tarball + ".sha256");
        var run = new CliRun();

        Assert.Equal(0, run.Invoke("install", "--dir", Target, "--from", tarball));

        Assert.Contains("relying on checksums.sha256 inside it", run.Console.OutText, StringComparison.Ordinal);
    }

    [Fact]
    public void Install_IntoNonEmptyFolderThatIsNotAHome_Refuses()
    {
        Directory.CreateDirectory(Target);
        File.WriteAllText(Path.Combine(Target, "precious.txt"), "keep");
        var run = new CliRun();

        Assert.Equal(1, run.Invoke("install", "--dir", Target, "--from", TestHomes.Tarball(_temp.Path, "0.2.0")));

        Assert.Contains("is not an agent home: refusing to replace it", run.Console.ErrorText, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(Target, "precious.txt")));
    }

    [Fact]
    public void Install_DefaultSource_IsTheTarballBesideTheRunningHome()
    {
        var artifacts = _temp.Combine("artifacts");
        Directory.CreateDirectory(artifacts);
        var running = TestHomes.Create(Path.Combine(artifacts, "cwapm"), "0.5.0");
        TestHomes.Tarball(artifacts, "0.5.0");
        var run = new CliRun();
        run.Environment.BaseDirectory = running + "/";

        Assert.Equal(0, run.Invoke("install", "--dir", Target));

        Assert.Contains("unpacking " + Path.Combine(artifacts, "cwapm-0.5.0-linux-x64.tar.gz"), run.Console.OutText, StringComparison.Ordinal);
        Assert.Equal("0.5.0", Version(Target));
    }

    [Fact]
    public void Install_DefaultSourceWithoutTarball_CopiesTheRunningHome()
    {
        var running = TestHomes.Create(_temp.Combine("unpacked", "cwapm"), "0.6.0");
        var run = new CliRun();
        run.Environment.BaseDirectory = Path.Combine(running, "cli") + "/";

        Assert.Equal(0, run.Invoke("install", "--dir", Target));

        Assert.Contains("copying " + running, run.Console.OutText, StringComparison.Ordinal);
        Assert.Equal("0.6.0", Version(Target));
        Assert.True(Checksums.Verify(Target).Ok);
    }

    [Fact]
    public void Install_DefaultDirectory_IsDotCwapmInUserHome()
    {
        var run = new CliRun();
        run.Environment.UserHome = _temp.Combine("user");

        Assert.Equal(0, run.Invoke("install", "--from", TestHomes.Tarball(_temp.Path, "0.2.0")));

        Assert.Equal("0.2.0", Version(_temp.Combine("user", ".cwapm")));
    }

    [Fact]
    public void Install_NoSourceAnywhere_ExitsOne()
    {
        var run = new CliRun();

        Assert.Equal(1, run.Invoke("install", "--dir", Target));

        Assert.Contains("pass --from", run.Console.ErrorText, StringComparison.Ordinal);
    }
}
