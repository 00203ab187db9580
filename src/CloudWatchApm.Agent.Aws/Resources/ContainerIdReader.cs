// The id of the container this process runs in, read from /proc. Two sources, in order:
// 1. /proc/self/cgroup: cgroup v1, and cgroup v2 when the cgroup namespace is the host's.
//    The id is a path segment, bare (docker/cgroupfs: /docker/<id>, /kubepods/.../<id>,
//    /ecs/<task>/<id>) or wrapped by systemd (docker-<id>.scope, cri-containerd-<id>.scope,
//    crio-<id>.scope, libpod-<id>.scope). Fargate ids are 32 hex digits, '-', digits.
// 2. /proc/self/mountinfo: cgroup v2 with a private cgroup namespace shows only "0::/", but
//    the runtime bind-mounts /etc/hostname and friends from a directory named after the
//    container (.../containers/<id>/hostname, .../overlay-containers/<id>/userdata/hostname).
//    containerd's .../sandboxes/<id>/ directory belongs to the pod sandbox, not to this
//    container, so it is ignored: no id is better than a wrong one.
namespace CloudWatchApm.Agent.Aws.Resources;

internal sealed class ContainerIdReader
{
    internal const string DefaultProcRoot = "/proc";

    private static readonly string[] SystemdPrefixes = ["docker-", "cri-containerd-", "crio-", "libpod-", "containerd-"];

    private readonly string _procRoot;

    internal ContainerIdReader()
        : this(DefaultProcRoot)
    {
    }

    /// <summary>For tests: a directory standing in for /proc (reads self/cgroup and self/mountinfo).</summary>
    internal ContainerIdReader(string procRoot)
    {
        _procRoot = procRoot;
    }

    /// <summary>The container id, or null outside a container or when the files cannot be read.</summary>
    internal string? Read()
    {
        try
        {
            return FromCgroup(ReadLines("self/cgroup")) ?? FromMountInfo(ReadLines("self/mountinfo"));
        }
        catch
        {
            return null;
        }
    }

    internal static string? FromCgroup(IEnumerable<string> lines)
    {
        foreach (var line in lines)
        {
            // hierarchy-id:controllers:path
            var firstColon = line.IndexOf(':', StringComparison.Ordinal);
            var secondColon = firstColon < 0 ? -1 : line.IndexOf(':', firstColon + 1);
            if (secondColon < 0)
            {
                continue;
            }

            var segments = line[(secondColon + 1)..].Split('/', StringSplitOptions.RemoveEmptyEntries);

            // Innermost first: nested cgroups (init.scope under a container scope) sit below the id.
            for (var i = segments.Length - 1; i >= 0; i--)
            {
                var id = ContainerIdFromCgroupSegment(segments[i]);
                if (id is not null)
                {
                    return id;
                }
            }
        }

        return null;
    }

    internal static string? FromMountInfo(IEnumerable<string> lines)
    {
        foreach (var line in lines)
        {
            // id parent major:minor root mount-point ...; the root field is the source path.
            var fields = line.Split(' ', 6);
            if (fields.Length < 5)
            {
                continue;
            }

            var segments = fields[3].Split('/', StringSplitOptions.RemoveEmptyEntries);
            for (var i = 1; i < segments.Length; i++)
            {
                if ((segments[i - 1] == "containers" || segments[i - 1] == "overlay-containers") && IsHex(segments[i], 64))
                {
                    return segments[i];
                }
            }
        }

        return null;
    }

    private static string? ContainerIdFromCgroupSegment(string segment)
    {
        var candidate = segment.EndsWith(".scope", StringComparison.Ordinal) ? segment[..^".scope".Length] : segment;
        foreach (var prefix in SystemdPrefixes)
        {
            if (candidate.StartsWith(prefix, StringComparison.Ordinal))
            {
                candidate = candidate[prefix.Length..];
                break;
            }
        }

        if (IsHex(candidate, 64) || IsFargateId(candidate))
        {
            return candidate;
        }

        return null;
    }

    /// <summary>Fargate: 32 hex digits (the task id), '-', then digits.</summary>
    private static bool IsFargateId(string text)
    {
        var dash = text.IndexOf('-', StringComparison.Ordinal);
        if (dash != 32 || dash == text.Length - 1 || !IsHex(text[..dash], 32))
        {
            return false;
        }

        foreach (var c in text[(dash + 1)..])
        {
            if (!char.IsAsciiDigit(c))
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsHex(string text, int length)
    {
        if (text.Length != length)
        {
            return false;
        }

        foreach (var c in text)
        {
            if (!char.IsAsciiHexDigitLower(c))
            {
                return false;
            }
        }

        return true;
    }

    private string[] ReadLines(string relativePath)
    {
        var path = Path.Combine(_procRoot, relativePath);
        return File.Exists(path) ? File.ReadAllLines(path) : [];
    }
}
