// Where the built agent home, the published test apps and the private .NET 8/9 runtimes are.
// build/test.sh prepares all three before the tests run; a test that finds one missing
// fails with the command that makes it.
namespace CloudWatchApm.Agent.IntegrationTests.Infrastructure;

internal static class TestPaths
{
    internal static string RepoRoot { get; } = FindRepoRoot();

    /// <summary>artifacts/ of the repository, or CWAPM_ARTIFACTS (one per parallel workspace).</summary>
    internal static string Artifacts => Environment.GetEnvironmentVariable("CWAPM_ARTIFACTS") is { Length: > 0 } a ? a : Path.Combine(RepoRoot, "artifacts");

    /// <summary>The agent home built by build/build.sh (CWAPM_HOME overrides).</summary>
    internal static string AgentHome => Environment.GetEnvironmentVariable("CWAPM_HOME") is { Length: > 0 } h ? h : Path.Combine(Artifacts, "cwapm");

    /// <summary>The dotnet root holding .NET 8 and 9, made by build/runtimes.sh.</summary>
    internal static string RuntimesRoot => Path.Combine(Artifacts, "runtimes", "dotnet");

    internal static string TestApps => Path.Combine(Artifacts, "testapps");

    internal static string SystemDotnet { get; } = FindSystemDotnet();

    /// <summary>A published test app folder, e.g. App("WebApp", "net10.0").</summary>
    internal static string App(string name, string variant)
    {
        var dir = Path.Combine(TestApps, name + "-" + variant);
        if (!Directory.Exists(dir))
        {
            throw new InvalidOperationException($"test app {dir} is missing: run build/test.sh (or build/publish-testapps.sh) first");
        }

        return dir;
    }

    internal static void RequireAgentHome()
    {
        if (!File.Exists(Path.Combine(AgentHome, "hook", "CloudWatchApm.Agent.StartupHook.dll")))
        {
            throw new InvalidOperationException($"agent home {AgentHome} is missing: run build/build.sh first");
        }
    }

    private static string FindRepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "CloudWatchApm.Agent.sln")))
        {
            dir = dir.Parent;
        }

        if (dir is not null)
        {
            return dir.FullName;
        }

        // Built with an artifacts path outside the repository: the build recorded where it is.
        foreach (var attribute in typeof(TestPaths).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyMetadataAttribute), false))
        {
            if (attribute is System.Reflection.AssemblyMetadataAttribute { Key: "RepoRoot", Value: { Length: > 0 } root } && File.Exists(Path.Combine(root, "CloudWatchApm.Agent.sln")))
            {
                return root;
            }
        }

        throw new InvalidOperationException("cannot find the repository root from " + AppContext.BaseDirectory);
    }

    private static string FindSystemDotnet()
    {
        var root = Environment.GetEnvironmentVariable("DOTNET_ROOT");
        if (root is { Length: > 0 } && File.Exists(Path.Combine(root, "dotnet")))
        {
            return Path.Combine(root, "dotnet");
        }

        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(':'))
        {
            var candidate = Path.Combine(dir, "dotnet");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return "/usr/share/dotnet/dotnet";
    }
}
