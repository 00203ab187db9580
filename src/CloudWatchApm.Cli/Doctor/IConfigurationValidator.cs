// The seam between `cwapm doctor` and whoever knows the rules for each variable. Today the
// CLI's own simple rules; the agent will expose its validator so that startup and doctor
// run the same checks.
namespace CloudWatchApm.Cli.Doctor;

/// <summary>One problem with one variable. <see cref="Value"/> is already redacted where secret.</summary>
internal sealed record ConfigurationProblem(string Key, string Value, string Message);

internal interface IConfigurationValidator
{
    /// <summary>Every problem in <paramref name="environment"/>, all at once, in a stable order.</summary>
    IReadOnlyList<ConfigurationProblem> Validate(IReadOnlyDictionary<string, string> environment);
}
