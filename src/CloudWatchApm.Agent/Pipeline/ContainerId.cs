// container.id from the cgroup files: cgroup v1 names the container in /proc/self/cgroup;
// cgroup v2 hides it, but the container runtime's mounts in /proc/self/mountinfo show it.
using System.Text.RegularExpressions;

namespace CloudWatchApm.Agent.Pipeline;

internal static partial class ContainerId
{
    internal static string? Read(string procSelf = "/proc/self")
    {
        var cgroup = Path.Combine(procSelf, "cgroup");
        if (File.Exists(cgroup))
        {
            foreach (var line in File.ReadLines(cgroup))
            {
                if (FromCgroupLine(line) is { } id)
                {
                    return id;
                }
            }
        }

        var mountinfo = Path.Combine(procSelf, "mountinfo");
        if (File.Exists(mountinfo))
        {
            foreach (var line in File.ReadLines(mountinfo))
            {
                if (FromMountInfoLine(line) is { } id)
                {
                    return id;
                }
            }
        }

        return null;
    }

    internal static string? FromCgroupLine(string line)
    {
        var m = CgroupId().Match(line);
        return m.Success ? m.Groups["id"].Value : null;
    }

    internal static string? FromMountInfoLine(string line)
    {
        // e.g. ".../containers/<64 hex>/hostname" or ".../sandboxes/<64 hex>/..."; skip sandboxes (pause container).
        if (!line.Contains("/containers/", StringComparison.Ordinal))
        {
            return null;
        }

        var m = MountId().Match(line);
        return m.Success ? m.Groups["id"].Value : null;
    }

    [GeneratedRegex(@"(?:^|[/\-:])(?:docker-|cri-containerd-|crio-|libpod-)?(?<id>[0-9a-f]{64})(?:\.scope)?\s*$", RegexOptions.CultureInvariant)]
    private static partial Regex CgroupId();

    [GeneratedRegex(@"/containers/(?<id>[0-9a-f]{64})/", RegexOptions.CultureInvariant)]
    private static partial Regex MountId();
}
