// checksums.sha256 in sha256sum format ("<hex>  <relative path>"): written by build.sh,
// checked by `cwapm install` before a home goes live and by `cwapm doctor` afterwards.
using System.Globalization;
using System.Security.Cryptography;

namespace CloudWatchApm.Cli;

internal sealed class ChecksumReport
{
    internal bool ManifestMissing { get; set; }

    internal int Checked { get; set; }

    internal List<string> Missing { get; } = [];

    internal List<string> Mismatched { get; } = [];

    internal List<string> Unlisted { get; } = [];

    internal List<string> BadLines { get; } = [];

    internal bool Ok => !ManifestMissing && Missing.Count == 0 && Mismatched.Count == 0 && BadLines.Count == 0;
}

internal static class Checksums
{
    internal const string FileName = "checksums.sha256";

    /// <summary>Parses "&lt;64 hex&gt;  path" (also "&lt;hex&gt; *path", "./path").</summary>
    internal static bool TryParseLine(string line, out string hex, out string path)
    {
        hex = string.Empty;
        path = string.Empty;
        var trimmed = line.TrimEnd('\r');
        if (trimmed.Length < 66)
        {
            return false;
        }

        var candidate = trimmed[..64];
        if (!IsHex(candidate) || trimmed[64] != ' ')
        {
            return false;
        }

        var rest = trimmed[65..];
        if (rest.StartsWith(' ') || rest.StartsWith('*'))
        {
            rest = rest[1..];
        }

        if (rest.StartsWith("./", StringComparison.Ordinal))
        {
            rest = rest[2..];
        }

        if (rest.Length == 0)
        {
            return false;
        }

        hex = candidate.ToLowerInvariant();
        path = rest;
        return true;
    }

    internal static string ComputeFile(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexString(SHA256.HashData(stream)).ToLowerInvariant();
    }

    /// <summary>
    /// The expected hash of <paramref name="file"/> from "&lt;file&gt;.sha256" beside it, or null
    /// when there is no such file. The first word of the first line is the hash.
    /// </summary>
    internal static string? ReadSidecar(string file, out string? problem)
    {
        problem = null;
        var sidecar = file + ".sha256";
        if (!File.Exists(sidecar))
        {
            return null;
        }

        var text = File.ReadAllText(sidecar).Trim();
        var first = text.Split([' ', '\t', '\n'], 2)[0];
        if (first.Length != 64 || !IsHex(first))
        {
            problem = sidecar + " does not start with a sha256 hash";
            return null;
        }

        return first.ToLowerInvariant();
    }

    /// <summary>Checks every file listed in <c>home/checksums.sha256</c>, and lists files it does not name.</summary>
    internal static ChecksumReport Verify(string home)
    {
        var report = new ChecksumReport();
        var manifest = Path.Combine(home, FileName);
        if (!File.Exists(manifest))
        {
            report.ManifestMissing = true;
            return report;
        }

        var listed = new HashSet<string>(StringComparer.Ordinal);
        var lineNumber = 0;
        foreach (var line in File.ReadLines(manifest))
        {
            lineNumber++;
            if (line.Trim().Length == 0)
            {
                continue;
            }

            if (!TryParseLine(line, out var hex, out var relative) || relative.Split('/').Contains(".."))
            {
                report.BadLines.Add(string.Create(CultureInfo.InvariantCulture, $"line {lineNumber}"));
                continue;
            }

            listed.Add(relative);
            var full = Path.Combine(home, relative);
            if (!File.Exists(full))
            {
                report.Missing.Add(relative);
                continue;
            }

            report.Checked++;
            if (ComputeFile(full) != hex)
            {
                report.Mismatched.Add(relative);
            }
        }

        foreach (var file in Directory.EnumerateFiles(home, "*", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(home, file).Replace('\\', '/');
            if (relative != FileName && !listed.Contains(relative))
            {
                report.Unlisted.Add(relative);
            }
        }

        report.Unlisted.Sort(StringComparer.Ordinal);
        return report;
    }

    private static bool IsHex(string value)
    {
        foreach (var c in value)
        {
            if (!char.IsAsciiHexDigit(c))
            {
                return false;
            }
        }

        return true;
    }
}
