// AgentContext.Lists answers "does the app ship this assembly?" from the runtime's
// TRUSTED_PLATFORM_ASSEMBLIES string without splitting it (it runs before the app's Main).
using CloudWatchApm.Agent.Pipeline;
using Xunit;

namespace CloudWatchApm.Agent.Tests.Pipeline;

public sealed class AgentContextTests
{
    private static readonly string Tpa = string.Join(
        Path.PathSeparator,
        "/usr/share/dotnet/shared/Microsoft.NETCore.App/10.0.0/System.Private.CoreLib.dll",
        "/app/OpenTelemetry.Api.dll",
        "/app/MyOpenTelemetry.dll",
        "/usr/share/dotnet/shared/Microsoft.AspNetCore.App/10.0.0/Microsoft.AspNetCore.Hosting.dll",
        "/app/Npgsql.dll");

    [Theory]
    [InlineData("System.Private.CoreLib", true)] // first entry
    [InlineData("Microsoft.AspNetCore.Hosting", true)] // middle
    [InlineData("Npgsql", true)] // last entry
    [InlineData("OpenTelemetry", false)] // only OpenTelemetry.Api.dll and MyOpenTelemetry.dll are there
    [InlineData("Microsoft.AspNetCore", false)]
    [InlineData("Hosting", false)]
    public void Lists_MatchesWholeFileNamesOnly(string simpleName, bool expected)
        => Assert.Equal(expected, AgentContext.Lists(Tpa, simpleName));

    [Fact]
    public void Lists_IsFalseForAnEmptyList()
        => Assert.False(AgentContext.Lists(string.Empty, "OpenTelemetry"));

    [Fact]
    public void Lists_AgreesWithTheSetOfThisProcess()
    {
        var tpa = AgentContext.ReadTrustedPlatformAssemblies();
        var names = tpa.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries).Select(Path.GetFileNameWithoutExtension).ToList();
        Assert.NotEmpty(names);
        foreach (var name in names)
        {
            Assert.True(AgentContext.Lists(tpa, name!), name);
        }

        Assert.False(AgentContext.Lists(tpa, "CloudWatchApm.NotAnAssembly"));
    }
}
