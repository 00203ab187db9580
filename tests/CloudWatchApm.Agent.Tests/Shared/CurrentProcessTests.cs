// The process name the startup hook matches exclusions against and names its log after, read
// from the executable's path instead of Process.ProcessName (which parses /proc on its first call).
using System.Diagnostics;
using CloudWatchApm.Agent.Shared;
using Xunit;

namespace CloudWatchApm.Agent.Tests.Shared;

public sealed class CurrentProcessTests
{
    [Fact]
    public void Name_IsWhatProcessNameSays()
    {
        using var process = Process.GetCurrentProcess();
        Assert.Equal(process.ProcessName, CurrentProcess.Name());
    }

    [Theory]
    [InlineData("/usr/share/dotnet/dotnet", "dotnet")]
    [InlineData("/app/Orders.Api", "Orders.Api")]
    [InlineData("/app/Orders.Api.exe", "Orders.Api")]
    [InlineData("worker", "worker")]
    public void FromPath_KeepsDotsInTheName_AndDropsOnlyExe(string path, string expected)
        => Assert.Equal(expected, CurrentProcess.FromPath(path));
}
