// Which processes the agent stays out of. The hook is inherited by every child of a shell
// that exports DOTNET_STARTUP_HOOKS, including the SDK, MSBuild nodes and test hosts;
// instrumenting those would slow builds down and send spans no one asked for.
#nullable enable
using System;

namespace CloudWatchApm.Agent.Shared;

internal static class ProcessExclusions
{
    /// <summary>Entry assembly or process names of .NET tooling (case-insensitive, no extension).</summary>
    internal static readonly string[] BuiltIn =
    {
        "dotnet", "MSBuild", "vstest.console", "testhost", "testhost.x86", "testhost.net8.0", "testhost.net9.0",
        "testhost.net10.0", "datacollector", "VBCSCompiler", "csc", "vbc", "NuGet.Build.Tasks.Console",
        "Microsoft.TestPlatform.TestHost", "dotnet-counters", "dotnet-trace", "dotnet-dump", "dotnet-gcdump",
        "dotnet-ef", "cwapm", "CloudWatchApm.Cli", "Microsoft.CodeAnalysis.LanguageServer", "OmniSharp",
        "ILCompiler", "crossgen2", "ilc", "Microsoft.DotNet.Cli",
    };

    /// <summary>
    /// True when the entry assembly (or, when there is none, the process) is a built-in tool, or
    /// when either name is in OTEL_DOTNET_AUTO_EXCLUDE_PROCESSES (comma separated, extension
    /// optional). The process of `dotnet app.dll` is named "dotnet" like the SDK's, so built-in
    /// tools are recognised by their entry assembly.
    /// </summary>
    internal static bool IsExcluded(string? entryAssembly, string? processName, string? userList, out string? matched)
    {
        var tool = Normalize(string.IsNullOrEmpty(entryAssembly) ? processName : entryAssembly);
        foreach (var builtIn in BuiltIn)
        {
            if (tool.Length > 0 && (string.Equals(tool, builtIn, StringComparison.OrdinalIgnoreCase)
                || tool.StartsWith("testhost.", StringComparison.OrdinalIgnoreCase)))
            {
                matched = tool;
                return true;
            }
        }

        foreach (var raw in new[] { entryAssembly, processName })
        {
            var name = Normalize(raw);
            if (name.Length == 0)
            {
                continue;
            }

            if (!string.IsNullOrWhiteSpace(userList))
            {
                foreach (var entry in userList!.Split(','))
                {
                    if (string.Equals(name, Normalize(entry), StringComparison.OrdinalIgnoreCase))
                    {
                        matched = name;
                        return true;
                    }
                }
            }
        }

        matched = null;
        return false;
    }

    private static string Normalize(string? name)
    {
        var n = (name ?? string.Empty).Trim();
        foreach (var ext in new[] { ".dll", ".exe" })
        {
            if (n.EndsWith(ext, StringComparison.OrdinalIgnoreCase))
            {
                n = n.Substring(0, n.Length - ext.Length);
            }
        }

        return n;
    }
}
