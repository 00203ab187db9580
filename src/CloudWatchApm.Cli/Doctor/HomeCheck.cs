// Is the agent home complete, and is every file the one that was built?
using System.Globalization;

namespace CloudWatchApm.Cli.Doctor;

internal static class HomeCheck
{
    internal const string Name = "agent home";
    private const int MaxListed = 10;

    internal static CheckResult Run(string? home, string? problem)
    {
        if (home is null)
        {
            return new CheckResult(Name, CheckStatus.Fail, problem ?? "agent home not found") { Fix = "Install the agent: cwapm install (or set OTEL_DOTNET_AUTO_HOME)." };
        }

        var version = AgentHome.ReadVersion(home) ?? "unknown";
        var missing = AgentHome.RequiredEntries.Where(e => !File.Exists(Path.Combine(home, e)) && !Directory.Exists(Path.Combine(home, e))).ToList();
        var report = Checksums.Verify(home);
        var result = new CheckResult(Name, CheckStatus.Ok, string.Create(
            CultureInfo.InvariantCulture,
            $"{home} (version {version}): {report.Checked} files match {Checksums.FileName}"));

        AddList(result, "missing", missing.Concat(report.Missing).Distinct().ToList());
        AddList(result, "changed since the build", report.Mismatched);
        AddList(result, "malformed lines in " + Checksums.FileName, report.BadLines);
        AddList(result, "not listed in " + Checksums.FileName, report.Unlisted);

        if (missing.Count > 0 || !report.Ok)
        {
            result.Status = CheckStatus.Fail;
            var parts = new List<string>();
            if (report.ManifestMissing)
            {
                parts.Add("no " + Checksums.FileName);
            }

            if (missing.Count + report.Missing.Count > 0)
            {
                parts.Add(string.Create(CultureInfo.InvariantCulture, $"{missing.Concat(report.Missing).Distinct().Count()} missing"));
            }

            if (report.Mismatched.Count > 0)
            {
                parts.Add(string.Create(CultureInfo.InvariantCulture, $"{report.Mismatched.Count} changed"));
            }

            if (report.BadLines.Count > 0)
            {
                parts.Add(string.Create(CultureInfo.InvariantCulture, $"{report.BadLines.Count} malformed checksum lines"));
            }

            result.Summary = home + " (version " + version + ") is damaged: " + string.Join(", ", parts);
            result.Fix = "Reinstall it: cwapm install --dir " + home + " --from <cwapm-" + version + "-linux-x64.tar.gz> (a changed file means a partial copy, a disk problem or tampering).";
        }
        else if (report.Unlisted.Count > 0)
        {
            result.Status = CheckStatus.Warn;
            result.Fix = "Files not from the build were added to the home; remove them unless you put them there on purpose.";
        }

        return result;
    }

    private static void AddList(CheckResult result, string label, List<string> items)
    {
        if (items.Count == 0)
        {
            return;
        }

        var shown = string.Join(", ", items.Take(MaxListed));
        result.Details.Add(label + ": " + shown + (items.Count > MaxListed ? string.Create(CultureInfo.InvariantCulture, $" and {items.Count - MaxListed} more") : string.Empty));
    }
}
