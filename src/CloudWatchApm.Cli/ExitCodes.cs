namespace CloudWatchApm.Cli;

/// <summary>The exit codes every command uses.</summary>
internal static class ExitCodes
{
    internal const int Ok = 0;
    internal const int Problems = 1;
    internal const int Usage = 2;

    /// <summary>Like a shell: the command was found but could not be executed.</summary>
    internal const int CannotExecute = 126;

    /// <summary>Like a shell: the command was not found.</summary>
    internal const int CommandNotFound = 127;
}
