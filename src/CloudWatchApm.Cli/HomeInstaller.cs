// Installs an agent home atomically: unpack (or copy) next to the target, verify every file
// against checksums.sha256, then swap it in with one rename. Until the swap nothing of the
// previous home is touched, so a failed install leaves it working.
using System.Formats.Tar;
using System.IO.Compression;
using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace CloudWatchApm.Cli;

internal sealed class InstallException(string message, string? fix = null) : Exception(message)
{
    internal string? Fix { get; } = fix;
}

internal static class HomeInstaller
{
    /// <summary>What an install did, for the summary line.</summary>
    internal sealed record Outcome(string Directory, string Version, string? PreviousVersion, string Source);

    /// <summary>
    /// Installs into <paramref name="target"/> from a tarball (a top-level cwapm/ folder) or
    /// a home folder to copy. Throws <see cref="InstallException"/> with the reason; the
    /// previous home, if any, is then unchanged.
    /// </summary>
    internal static Outcome Install(string target, string source, bool sourceIsTarball, Action<string> progress)
    {
        target = Path.TrimEndingDirectorySeparator(Path.GetFullPath(target));
        if (File.Exists(target))
        {
            throw new InstallException(target + " is a file, not a folder");
        }

        var previousVersion = default(string);
        if (Directory.Exists(target))
        {
            if (AgentHome.IsHome(target))
            {
                previousVersion = AgentHome.ReadVersion(target) ?? "unknown";
            }
            else if (Directory.EnumerateFileSystemEntries(target).Any())
            {
                throw new InstallException(target + " exists and is not an agent home: refusing to replace it", "Choose another --dir, or empty that folder first.");
            }
        }

        var parent = Path.GetDirectoryName(target) ?? throw new InstallException("cannot install into " + target);
        Directory.CreateDirectory(parent);
        var staging = Path.Combine(parent, "." + Path.GetFileName(target) + ".install-" + Convert.ToHexString(RandomNumberGenerator.GetBytes(4)).ToLowerInvariant());
        Directory.CreateDirectory(staging);
        try
        {
            string newHome;
            if (sourceIsTarball)
            {
                VerifyTarball(source, progress);
                progress("unpacking " + source);
                var unpacked = Path.Combine(staging, "unpacked");
                Directory.CreateDirectory(unpacked);
                try
                {
                    using var file = File.OpenRead(source);
                    using var gzip = new GZipStream(file, CompressionMode.Decompress);
                    TarFile.ExtractToDirectory(gzip, unpacked, overwriteFiles: false);
                }
                catch (Exception ex) when (ex is InvalidDataException or IOException or FormatException or UnauthorizedAccessException)
                {
                    throw new InstallException("cannot unpack " + source + ": " + ex.Message, "Download the tarball again.");
                }

                newHome = AgentHome.IsHome(Path.Combine(unpacked, "cwapm")) ? Path.Combine(unpacked, "cwapm")
                    : AgentHome.IsHome(unpacked) ? unpacked
                    : throw new InstallException(source + " holds no agent home (expected cwapm/" + InstrumentingVariables.HookRelativePath + ")");
            }
            else
            {
                progress("copying " + source);
                newHome = Path.Combine(staging, "cwapm");
                CopyDirectory(source, newHome);
            }

            Verify(newHome, source);
            var version = AgentHome.ReadVersion(newHome) ?? "unknown";
            progress("verified " + version + "; switching " + target);
            Swap(newHome, target);
            return new Outcome(target, version, previousVersion, source);
        }
        finally
        {
            TryDelete(staging);
        }
    }

    private static void VerifyTarball(string tarball, Action<string> progress)
    {
        var expected = Checksums.ReadSidecar(tarball, out var problem);
        if (problem is not null)
        {
            throw new InstallException(problem);
        }

        if (expected is null)
        {
            progress("no " + Path.GetFileName(tarball) + ".sha256 beside the tarball: relying on checksums.sha256 inside it");
            return;
        }

        var actual = Checksums.ComputeFile(tarball);
        if (actual != expected)
        {
            throw new InstallException(
                "sha256 mismatch for " + tarball + ": expected " + expected + " (from " + Path.GetFileName(tarball) + ".sha256), got " + actual,
                "The download is incomplete or was altered: download the tarball and its .sha256 again.");
        }

        progress("sha256 of " + Path.GetFileName(tarball) + " matches");
    }

    private static void Verify(string home, string source)
    {
        var report = Checksums.Verify(home);
        var missing = AgentHome.RequiredEntries.Where(e => !File.Exists(Path.Combine(home, e)) && !Directory.Exists(Path.Combine(home, e))).ToList();
        if (report.Ok && missing.Count == 0)
        {
            return;
        }

        var reasons = new List<string>();
        if (report.ManifestMissing)
        {
            reasons.Add("no " + Checksums.FileName);
        }

        if (missing.Count + report.Missing.Count > 0)
        {
            reasons.Add("missing " + string.Join(", ", missing.Concat(report.Missing).Distinct().Take(5)));
        }

        if (report.Mismatched.Count > 0)
        {
            reasons.Add("checksum mismatch for " + string.Join(", ", report.Mismatched.Take(5)));
        }

        if (report.BadLines.Count > 0)
        {
            reasons.Add("malformed " + Checksums.FileName + " (" + string.Join(", ", report.BadLines.Take(5)) + ")");
        }

        throw new InstallException("verification of " + source + " failed: " + string.Join("; ", reasons), "Use an intact build: download the tarball again, or rebuild with build/build.sh.");
    }

    /// <summary>
    /// Puts <paramref name="newHome"/> at <paramref name="target"/>. With a previous home the
    /// two are exchanged in one renameat2(RENAME_EXCHANGE), so there is no moment without a
    /// home; where the file system cannot, two renames with a way back.
    /// </summary>
    private static void Swap(string newHome, string target)
    {
        if (!Directory.Exists(target))
        {
            Directory.Move(newHome, target);
            return;
        }

        if (NativeMethods.TryExchange(newHome, target))
        {
            // newHome now holds the previous home, inside the staging folder that is deleted.
            return;
        }

        var aside = newHome + ".previous";
        Directory.Move(target, aside);
        try
        {
            Directory.Move(newHome, target);
        }
        catch
        {
            Directory.Move(aside, target);
            throw;
        }
    }

    private static void CopyDirectory(string source, string destination)
    {
        Directory.CreateDirectory(destination);
        foreach (var entry in new DirectoryInfo(source).EnumerateFileSystemInfos())
        {
            var to = Path.Combine(destination, entry.Name);
            if (entry.LinkTarget is { } link)
            {
                File.CreateSymbolicLink(to, link);
            }
            else if (entry is DirectoryInfo)
            {
                CopyDirectory(entry.FullName, to);
            }
            else
            {
                File.Copy(entry.FullName, to);
            }
        }
    }

    private static void TryDelete(string directory)
    {
        try
        {
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // A leftover hidden folder is harmless; the install itself succeeded or failed already.
        }
    }

    private static class NativeMethods
    {
        private const int AtFdCwd = -100;
        private const uint RenameExchange = 2;

        internal static bool TryExchange(string a, string b)
        {
            if (!OperatingSystem.IsLinux())
            {
                return false;
            }

            try
            {
                return renameat2(AtFdCwd, a, AtFdCwd, b, RenameExchange) == 0;
            }
            catch (EntryPointNotFoundException)
            {
                return false;
            }
        }

        [DllImport("libc", SetLastError = true)]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
        private static extern int renameat2(
            int olddirfd,
            [MarshalAs(UnmanagedType.LPUTF8Str)] string oldpath,
            int newdirfd,
            [MarshalAs(UnmanagedType.LPUTF8Str)] string newpath,
            uint flags);
    }
}
