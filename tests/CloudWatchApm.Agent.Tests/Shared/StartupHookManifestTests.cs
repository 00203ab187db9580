// The startup hook reads the agent home's checksums.sha256 to know which files must be there;
// it decodes the lines itself (see StartupHook.ManifestPaths), so these pin that decoding.
using System.Text;
using Xunit;

namespace CloudWatchApm.Agent.Tests.Shared;

public sealed class StartupHookManifestTests
{
    [Fact]
    public void ManifestPaths_ReadsThePathOfEveryLine_WithOrWithoutCarriageReturns()
    {
        var manifest = Encoding.ASCII.GetBytes(
            "0a1b  agent/net10.0/OpenTelemetry.dll\n" +
            "2c3d  agent/net10.0/CloudWatchApm.Agent.dll\r\n" +
            "4e5f  hook/CloudWatchApm.Agent.StartupHook.dll");

        Assert.Equal(
            ["agent/net10.0/OpenTelemetry.dll", "agent/net10.0/CloudWatchApm.Agent.dll", "hook/CloudWatchApm.Agent.StartupHook.dll"],
            StartupHook.ManifestPaths(manifest));
    }

    [Fact]
    public void ManifestPaths_SkipsBlankLines_LinesWithoutTheSeparator_AndNonAsciiPaths()
    {
        var manifest = Encoding.UTF8.GetBytes(
            "\n" +
            "no separator here\n" +
            "  starts with the separator\n" +
            "0a1b  agent/net10.0/Caf\u00e9.dll\n" +
            "2c3d  agent/net10.0/Kept.dll   \n" +
            "4e5f  \n");

        Assert.Equal(["agent/net10.0/Kept.dll"], StartupHook.ManifestPaths(manifest));
    }
}
