using CloudWatchApm.Agent.Aws.Resources;
using Xunit;

namespace CloudWatchApm.Agent.Tests.AwsResources;

public sealed class ContainerIdReaderTests
{
    private const string Id = "3f4e5d6c7b8a99887766554433221100ffeeddccbbaa00112233445566778899";

    public static TheoryData<string, string, string?> CgroupCases => new()
    {
        { "cgroup v1, docker", "12:memory:/docker/" + Id + "\n11:cpu,cpuacct:/docker/" + Id, Id },
        { "cgroup v1, kubernetes cgroupfs driver", "4:pids:/kubepods/burstable/pod0a1b2c3d-1111-2222-3333-444455556666/" + Id, Id },
        { "cgroup v1, ECS on EC2", "9:perf_event:/ecs/0a1b2c3d4e5f40718293a4b5c6d7e8f9/" + Id, Id },
        { "cgroup v1, ECS Fargate", "8:memory:/ecs/0a1b2c3d4e5f40718293a4b5c6d7e8f9/0a1b2c3d4e5f40718293a4b5c6d7e8f9-3022157125", "0a1b2c3d4e5f40718293a4b5c6d7e8f9-3022157125" },
        { "cgroup v2 host namespace, docker systemd", "0::/system.slice/docker-" + Id + ".scope", Id },
        { "cgroup v2, containerd (EKS)", "0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod0a1b2c3d_1111.slice/cri-containerd-" + Id + ".scope", Id },
        { "cgroup v2, cri-o", "0::/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod0a1b.slice/crio-" + Id + ".scope", Id },
        { "cgroup v2, podman", "0::/machine.slice/libpod-" + Id + ".scope/container", Id },
        { "cgroup v2, nested init.scope", "0::/system.slice/docker-" + Id + ".scope/init.scope", Id },
        { "cgroup v2 private namespace", "0::/", null },
        { "host, cgroup v1", "1:name=systemd:/user.slice/user-1000.slice/session-2.scope\n2:cpu:/user.slice", null },
        { "host, cgroup v2", "0::/user.slice/user-1000.slice/user@1000.service/app.slice/app.scope", null },
        { "uppercase hex is not an id", "12:memory:/docker/" + Id.ToUpperInvariant(), null },
        { "malformed", "garbage", null },
    };

    public static TheoryData<string, string, string?> MountInfoCases => new()
    {
        {
            "cgroup v2, docker",
            "712 700 0:52 / / rw,relatime master:300 - overlay overlay rw,lowerdir=/var/lib/docker/overlay2/l/ABC\n"
            + "725 712 259:1 /var/lib/docker/containers/" + Id + "/resolv.conf /etc/resolv.conf rw,relatime - ext4 /dev/nvme0n1p1 rw\n"
            + "726 712 259:1 /var/lib/docker/containers/" + Id + "/hostname /etc/hostname rw,relatime - ext4 /dev/nvme0n1p1 rw",
            Id
        },
        {
            "cgroup v2, docker with /var/lib/docker on its own volume",
            "726 712 259:3 /containers/" + Id + "/hostname /etc/hostname rw,relatime - xfs /dev/nvme1n1 rw",
            Id
        },
        {
            "cgroup v2, podman / cri-o storage",
            "801 790 0:45 /containers/storage/overlay-containers/" + Id + "/userdata/hostname /etc/hostname rw,nosuid,nodev - tmpfs tmpfs rw",
            Id
        },
        {
            "cgroup v2, containerd pod sandbox is not this container",
            "1620 1601 259:1 /var/lib/containerd/io.containerd.grpc.v1.cri/sandboxes/" + Id + "/hostname /etc/hostname rw,relatime - ext4 /dev/nvme0n1p1 rw\n"
            + "1621 1601 259:1 /var/lib/kubelet/pods/0a1b2c3d/containers/app/5e6f7a8b /dev/termination-log rw,relatime - ext4 /dev/nvme0n1p1 rw",
            null
        },
        {
            "host",
            "22 1 259:1 / / rw,relatime shared:1 - ext4 /dev/nvme0n1p1 rw\n"
            + "130 22 0:60 / /var/lib/docker/containers/" + Id + "/mounts/shm rw - tmpfs shm rw",
            null
        },
    };

    [Theory]
    [MemberData(nameof(CgroupCases))]
    public void ContainerIdReader_CgroupFile_FindsIdOrNothing(string scenario, string content, string? expected)
    {
        Assert.True(expected == ContainerIdReader.FromCgroup(content.Split('\n')), scenario);
    }

    [Theory]
    [MemberData(nameof(MountInfoCases))]
    public void ContainerIdReader_MountInfoFile_FindsIdOrNothing(string scenario, string content, string? expected)
    {
        Assert.True(expected == ContainerIdReader.FromMountInfo(content.Split('\n')), scenario);
    }

    [Fact]
    public void ContainerIdReader_CgroupV2PrivateNamespace_FallsBackToMountInfo()
    {
        using var proc = new TempDirectory();
        proc.Write("self/cgroup", "0::/\n");
        proc.Write("self/mountinfo", "726 712 259:1 /var/lib/docker/containers/" + Id + "/hostname /etc/hostname rw,relatime - ext4 /dev/nvme0n1p1 rw\n");

        Assert.Equal(Id, new ContainerIdReader(proc.Path).Read());
    }

    [Fact]
    public void ContainerIdReader_NoProcFiles_ReturnsNull()
    {
        using var proc = new TempDirectory();

        Assert.Null(new ContainerIdReader(proc.Path).Read());
    }
}
