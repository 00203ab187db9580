namespace CloudWatchApm.Cli.Doctor;

internal enum CheckStatus
{
    Ok,
    Warn,
    Fail,
    Skip,
}

/// <summary>One verdict of `cwapm doctor`: what was found, the evidence, and what to do.</summary>
internal sealed class CheckResult(string name, CheckStatus status, string summary)
{
    internal string Name { get; } = name;

    internal CheckStatus Status { get; set; } = status;

    internal string Summary { get; set; } = summary;

    internal List<string> Details { get; } = [];

    /// <summary>What to do about it; null when nothing needs doing.</summary>
    internal string? Fix { get; set; }

    internal static string Label(CheckStatus status) => status switch
    {
        CheckStatus.Ok => "ok",
        CheckStatus.Warn => "warn",
        CheckStatus.Fail => "fail",
        _ => "skip",
    };
}
