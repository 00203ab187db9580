// The `cwapm` a user gets: installed once per test run from the built tarball with
// `cwapm install --dir`, into a temporary folder, and shared by the CLI test classes. Also
// runs cwapm commands to completion and reads --json verdicts.
using System.Text.Json;
using CloudWatchApm.Agent.IntegrationTests.Infrastructure;
using Xunit;

namespace CloudWatchApm.Agent.IntegrationTests.Cli;

[CollectionDefinition(Name)]
public sealed class InstalledCwapmCollection : ICollectionFixture<InstalledCwapm>
{
    public const string Name = "installed cwapm";
}

public sealed class InstalledCwapm : IAsyncLifetime
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "cwapm-it-install-" + Guid.NewGuid().ToString("N"));

    /// <summary>The installed agent home.</summary>
    public string Home => Path.Combine(_root, "home");

    /// <summary>The installed `cwapm`.</summary>
    public string Cwapm => Path.Combine(Home, "cwapm");

    public string Tarball { get; private set; } = string.Empty;

    /// <summary>What `cwapm install` printed, and its exit code.</summary>
    internal CommandResult Install { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        TestPaths.RequireAgentHome();
        var tarballs = Directory.GetFiles(TestPaths.Artifacts, "cwapm-*-linux-x64.tar.gz");
        Tarball = Assert.Single(tarballs);
        Directory.CreateDirectory(_root);

        // The cwapm of the build installs; the tests then use only the installed one.
        Install = await RunAsync(Path.Combine(TestPaths.AgentHome, "cwapm"), ["install", "--dir", Home, "--from", Tarball], new Dictionary<string, string?>());
    }

    public Task DisposeAsync()
    {
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
            // A process still holding a file must not fail the run on cleanup.
        }

        return Task.CompletedTask;
    }

    /// <summary>Runs a command to completion (cwapm never waits for input) and returns its output.</summary>
    internal static async Task<CommandResult> RunAsync(string command, IEnumerable<string> arguments, IDictionary<string, string?> environment)
    {
        await using var process = AppProcess.Start(command, arguments, environment, instrument: false);
        Assert.True(await process.WaitForExitAsync(TimeSpan.FromSeconds(60)), command + " did not finish");
        return new CommandResult(process.ExitCode, process.StandardOutput, process.StandardError);
    }

    internal Task<CommandResult> DoctorAsync(IDictionary<string, string?> environment, params string[] arguments)
        => RunAsync(Cwapm, ["doctor", "--json", .. arguments], environment);
}

internal sealed record CommandResult(int ExitCode, string Stdout, string Stderr)
{
    public override string ToString() => $"exit {ExitCode}\nstdout:\n{Stdout}\nstderr:\n{Stderr}";

    /// <summary>One check of `cwapm doctor --json`: status, summary and details.</summary>
    internal (string Status, string Summary, List<string> Details) Check(string name)
    {
        using var json = JsonDocument.Parse(Stdout);
        foreach (var check in json.RootElement.GetProperty("checks").EnumerateArray())
        {
            if (check.GetProperty("name").GetString() == name)
            {
                return (
                    check.GetProperty("status").GetString()!,
                    check.GetProperty("summary").GetString()!,
                    check.GetProperty("details").EnumerateArray().Select(d => d.GetString()!).ToList());
            }
        }

        throw new Xunit.Sdk.XunitException($"no check '{name}' in:\n{this}");
    }
}
