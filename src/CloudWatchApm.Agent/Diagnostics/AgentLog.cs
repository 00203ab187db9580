// The agent's own log: the per-process file that the startup hook started (see
// Shared/AgentLogFile.cs), with a level check before any message is formatted.
using CloudWatchApm.Agent.Shared;

namespace CloudWatchApm.Agent.Diagnostics;

internal static class AgentLog
{
    internal static bool IsDebug => AgentLogFile.IsEnabled(4);

    internal static bool IsInfo => AgentLogFile.IsEnabled(3);

    internal static void Error(string message) => AgentLogFile.Error(message);

    internal static void Warn(string message) => AgentLogFile.Warn(message);

    internal static void Info(string message) => AgentLogFile.Info(message);

    internal static void Debug(string message) => AgentLogFile.Debug(message);

    internal static void Error(string what, Exception ex) => AgentLogFile.Error(what + ": " + ex.GetType().FullName + ": " + ex.Message + (IsDebug ? Environment.NewLine + ex : string.Empty));
}
