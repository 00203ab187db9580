namespace LiftDiagnosticSource;

using System.Globalization;

internal static class Cli
{
    private const string Usage =
        "usage: LiftDiagnosticSource --agent <publish-dir> --home <agent-home> --runtimes <dotnet-root> [--deps-name CloudWatchApm.Agent]";

    public static int Run(string[] args)
    {
        string? agent = null, home = null, runtimes = null;
        var depsName = "CloudWatchApm.Agent";
        for (var i = 0; i < args.Length; i++)
        {
            var value = i + 1 < args.Length ? args[i + 1] : null;
            switch (args[i])
            {
                case "--agent": agent = value; i++; break;
                case "--home": home = value; i++; break;
                case "--runtimes": runtimes = value; i++; break;
                case "--deps-name": depsName = value ?? depsName; i++; break;
                default:
                    Console.Error.WriteLine($"lift: unknown argument '{args[i]}'\n{Usage}");
                    return 2;
            }
        }

        if (agent is null || home is null || runtimes is null)
        {
            Console.Error.WriteLine(Usage);
            return 2;
        }

        try
        {
            var graph = AgentGraph.Read(Path.GetFullPath(agent), depsName);
            var lifts = new List<Lift>();
            foreach (var framework in Lifter.Frameworks)
            {
                foreach (var major in Lifter.Majors)
                {
                    var shared = SharedFramework.Find(Path.GetFullPath(runtimes), framework.Name, major);
                    if (shared is null)
                    {
                        if (framework.Required)
                        {
                            throw new LiftException(
                                $"no {framework.Name} {major}.x under {runtimes}/shared (run build/runtimes.sh to make it)");
                        }

                        Console.Error.WriteLine($"lift: warning: no {framework.Name} {major}.x under {runtimes}/shared; not compared");
                        continue;
                    }

                    var lifted = Lifter.Compare(graph, shared);
                    Console.Error.WriteLine(string.Create(
                        CultureInfo.InvariantCulture,
                        $"lift: {framework.Name} {shared.Version}: {(lifted.Count == 0 ? "nothing to lift" : string.Join(", ", lifted.Select(a => $"{a.Name} {a.AssemblyVersion} (framework has {shared.Assemblies[a.Name]})")))}"));
                    if (lifted.Count > 0)
                    {
                        lifts.Add(new Lift(framework.Name, major, lifted));
                    }
                }
            }

            Writer.Write(Path.GetFullPath(home), depsName, graph.Architecture, lifts);
            return 0;
        }
        catch (LiftException e)
        {
            Console.Error.WriteLine($"lift: error: {e.Message}");
            return 1;
        }
    }
}

/// <summary>A failure with an operator-facing message.</summary>
internal sealed class LiftException(string message) : Exception(message);

/// <summary>The agent's assemblies lifted into one shared framework major version.</summary>
internal sealed record Lift(string Framework, int Major, IReadOnlyList<AgentAssembly> Assemblies);

internal sealed record FrameworkSpec(string Name, bool Required);

internal static class Lifter
{
    /// <summary>
    /// Frameworks compared. The host reads additional deps per framework in the app's chain, so an
    /// assembly that only ASP.NET Core carries lower would be lifted for ASP.NET Core apps.
    /// </summary>
    public static readonly FrameworkSpec[] Frameworks =
    [
        new("Microsoft.NETCore.App", Required: true),
        new("Microsoft.AspNetCore.App", Required: false),
    ];

    /// <summary>Runtime majors whose frameworks are older than the agent's dependencies. .NET 10+ carries them.</summary>
    public static readonly int[] Majors = [8, 9];

    public static List<AgentAssembly> Compare(AgentGraph graph, SharedFramework shared) =>
        graph.Assemblies
            .Where(a => shared.Assemblies.TryGetValue(a.Name, out var frameworkVersion) && a.AssemblyVersion > frameworkVersion)
            .OrderBy(a => a.Name, StringComparer.Ordinal)
            .ToList();
}
