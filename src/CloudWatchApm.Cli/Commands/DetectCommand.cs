using System.Globalization;
using System.Text.Json;
using CloudWatchApm.Cli.Doctor;

namespace CloudWatchApm.Cli.Commands;

/// <summary>`cwapm detect`: which of the app's libraries the agent instruments, and the switch for each.</summary>
internal sealed class DetectCommand : Command
{
    internal override string Name => "detect";

    internal override string Brief => "list the app's libraries the agent instruments";

    internal override string Summary => "List the libraries an app uses that the agent instruments (with the variable that switches each off) and well-known libraries it does not cover.";

    internal override string Usage => "detect <app folder | app.dll | app.deps.json>";

    internal override IReadOnlyList<OptionSpec> Options { get; } = [];

    internal override string Details => """
        Reads the app's deps.json (and runtimeconfig.json for the ASP.NET Core framework).
        Exit code: 0 listed, 1 no app or unreadable files, 2 usage error.

        Example:
          cwapm detect ./bin/Release/net8.0/publish
        """;

    internal override int Execute(CliContext context, ParsedArgs args)
    {
        if (args.Positionals.Count != 1)
        {
            return UsageError(context, args.Positionals.Count == 0 ? "missing the app folder" : "expected one app folder");
        }

        var files = AppFileLocator.Locate(args.Positionals[0], out var problem);
        if (files is null)
        {
            context.Console.Error.WriteLine("cwapm detect: " + problem);
            return ExitCodes.Problems;
        }

        if (files.DepsJson is null)
        {
            context.Console.Error.WriteLine("cwapm detect: no " + files.Name + ".deps.json in " + files.Directory + " (native AOT and single-file apps carry none)");
            return ExitCodes.Problems;
        }

        Dictionary<string, string> libraries;
        HashSet<string> frameworks;
        try
        {
            libraries = AppFileLocator.ReadLibraries(files.DepsJson);
            frameworks = ReadFrameworks(files.RuntimeConfig, libraries);
        }
        catch (Exception ex) when (ex is JsonException or IOException or UnauthorizedAccessException)
        {
            context.Console.Error.WriteLine("cwapm detect: cannot read " + files.DepsJson + ": " + ex.Message);
            return ExitCodes.Problems;
        }

        var output = context.Console.Out;
        output.WriteLine("Instrumented by the agent (set the variable to false to switch one off):");
        var rows = new List<(string Id, string Source, string Switch)>();
        foreach (var instrumentation in Instrumentations.All)
        {
            var source = Match(instrumentation, libraries, frameworks);
            if (source is not null)
            {
                rows.Add((instrumentation.Id, source, instrumentation.SwitchKey));
            }
        }

        var idWidth = rows.Max(r => r.Id.Length) + 2;
        var sourceWidth = rows.Max(r => r.Source.Length) + 2;
        foreach (var (id, source, key) in rows)
        {
            output.WriteLine("  " + id.PadRight(idWidth) + source.PadRight(sourceWidth) + key);
        }

        var uncovered = Instrumentations.Uncovered.Where(u => libraries.ContainsKey(u.Package)).ToList();
        if (uncovered.Count > 0)
        {
            output.WriteLine();
            output.WriteLine("Other libraries:");
            foreach (var library in uncovered)
            {
                output.WriteLine("  " + library.Package + " " + libraries[library.Package] + ": " + library.Note);
            }
        }

        output.WriteLine();
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{rows.Count} instrumentation{(rows.Count == 1 ? string.Empty : "s")} apply to {files.Name}."));
        return ExitCodes.Ok;
    }

    private static string? Match(Instrumentation instrumentation, Dictionary<string, string> libraries, HashSet<string> frameworks)
    {
        foreach (var package in instrumentation.Packages)
        {
            if (libraries.TryGetValue(package, out var version))
            {
                return package + " " + version;
            }
        }

        if (instrumentation.Framework is not null && frameworks.Contains(instrumentation.Framework))
        {
            return instrumentation.Framework + " (framework)";
        }

        return instrumentation.Always ? "System.Net.Http (every app)" : null;
    }

    /// <summary>Shared frameworks the app uses: from runtimeconfig.json, or runtime packs of a self-contained app.</summary>
    private static HashSet<string> ReadFrameworks(string? runtimeConfig, Dictionary<string, string> libraries)
    {
        var result = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var name in libraries.Keys)
        {
            if (name.StartsWith("runtimepack.", StringComparison.OrdinalIgnoreCase) && name.Contains(".App.Runtime.", StringComparison.OrdinalIgnoreCase))
            {
                var start = "runtimepack.".Length;
                result.Add(name[start..name.IndexOf(".Runtime.", StringComparison.OrdinalIgnoreCase)]);
            }
        }

        if (runtimeConfig is null)
        {
            return result;
        }

        using var document = JsonDocument.Parse(File.ReadAllText(runtimeConfig), AppFileLocator.JsonOptions);
        if (!document.RootElement.TryGetProperty("runtimeOptions", out var options))
        {
            return result;
        }

        foreach (var property in new[] { "framework", "frameworks", "includedFrameworks" })
        {
            if (!options.TryGetProperty(property, out var element))
            {
                continue;
            }

            var items = element.ValueKind == JsonValueKind.Array ? element.EnumerateArray().ToList() : [element];
            foreach (var item in items)
            {
                if (item.ValueKind == JsonValueKind.Object && item.TryGetProperty("name", out var name) && name.GetString() is { } text)
                {
                    result.Add(text);
                }
            }
        }

        return result;
    }
}
