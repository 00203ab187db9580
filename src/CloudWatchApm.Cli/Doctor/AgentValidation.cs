// The configuration check runs the agent's own validation: the CLI compiles the agent's
// Configuration sources in (see the project file), so doctor lists exactly the problems the
// agent would log at startup, in the same words, and the two cannot drift apart.
using CloudWatchApm.Agent.Configuration;

namespace CloudWatchApm.Cli.Doctor;

internal static class AgentValidation
{
    /// <summary>Every problem the agent would report for <paramref name="environment"/>, all at once, in the agent's order.</summary>
    internal static List<string> Problems(IReadOnlyDictionary<string, string> environment)
    {
        var values = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var (key, value) in environment)
        {
            values[key] = value;
        }

        var agent = new DictionaryEnvironment(values);
        var problems = new List<string>(AgentSettings.Load(agent, entryName: null).Problems);
        foreach (var problem in AwsSettings.Load(agent).Problems)
        {
            if (!problems.Contains(problem))
            {
                problems.Add(problem);
            }
        }

        return problems;
    }
}
