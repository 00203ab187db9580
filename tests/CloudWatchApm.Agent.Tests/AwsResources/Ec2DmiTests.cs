using CloudWatchApm.Agent.Aws.Resources;
using Xunit;

namespace CloudWatchApm.Agent.Tests.AwsResources;

public sealed class Ec2DmiTests
{
    [Theory]
    [InlineData("board_asset_tag", "i-0123456789abcdef0", true)]
    [InlineData("sys_vendor", "Amazon EC2", true)]
    [InlineData("product_name", "Amazon EC2 m5.large", true)]
    [InlineData("bios_vendor", "Amazon EC2", true)]
    [InlineData("bios_version", "4.11.amazon", true)]
    [InlineData("sys_vendor", "Xen", false)]
    [InlineData("sys_vendor", "QEMU", false)]
    [InlineData("board_asset_tag", "Default string", false)]
    [InlineData("bios_version", "1.16.3-debian", false)]
    public void Ec2Dmi_SingleFile_DecidesFromThatFile(string file, string value, bool expected)
    {
        using var sys = new TempDirectory();
        FakeImds.WriteDmi(sys, file, value);

        Assert.Equal(expected, new Ec2Dmi(sys.Path).LooksLikeEc2(out _));
    }

    [Fact]
    public void Ec2Dmi_NoDmiDirectory_IsNotEc2()
    {
        using var sys = new TempDirectory();

        Assert.False(new Ec2Dmi(sys.Path).LooksLikeEc2(out var reason));
        Assert.Contains("no DMI", reason, StringComparison.Ordinal);
    }
}
