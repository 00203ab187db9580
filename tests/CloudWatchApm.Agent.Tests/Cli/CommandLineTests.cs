using Xunit;

namespace CloudWatchApm.Cli.Tests;

public sealed class CommandLineTests
{
    public static TheoryData<string> CommandNames()
    {
        var data = new TheoryData<string>();
        foreach (var command in CliApp.Commands)
        {
            data.Add(command.Name);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(CommandNames))]
    public void Help_EveryCommand_PrintsUsageAndExitsZero(string name)
    {
        foreach (var spelling in new[] { "--help", "-h" })
        {
            var run = new CliRun();

            Assert.Equal(0, run.Invoke(name, spelling));

            Assert.StartsWith("Usage: cwapm " + name, run.Console.OutText, StringComparison.Ordinal);
            Assert.Contains("-h, --help", run.Console.OutText, StringComparison.Ordinal);
        }
    }

    [Theory]
    [MemberData(nameof(CommandNames))]
    public void UnknownOption_EveryCommand_ExitsTwoNamingClosest(string name)
    {
        var run = new CliRun();

        Assert.Equal(2, run.Invoke(name, "--hepl"));

        Assert.Contains("unknown option '--hepl'; did you mean '--help'?", run.Console.ErrorText, StringComparison.Ordinal);
    }

    [Fact]
    public void TopLevel_NoArguments_PrintsCommandsAndExitsTwo()
    {
        var run = new CliRun();

        Assert.Equal(2, run.Invoke());

        foreach (var command in CliApp.Commands)
        {
            Assert.Contains("  " + command.Name, run.Console.ErrorText, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void TopLevel_HelpAndHelpCommand_ExitZero()
    {
        var run = new CliRun();
        Assert.Equal(0, run.Invoke("--help"));
        Assert.Contains("Exit codes: 0 ok, 1 problems found, 2 usage error.", run.Console.OutText, StringComparison.Ordinal);

        var help = new CliRun();
        Assert.Equal(0, help.Invoke("help", "doctor"));
        Assert.StartsWith("Usage: cwapm doctor", help.Console.OutText, StringComparison.Ordinal);
    }

    [Fact]
    public void TopLevel_UnknownCommand_SuggestsClosest()
    {
        var run = new CliRun();

        Assert.Equal(2, run.Invoke("doctr"));

        Assert.Contains("unknown command 'doctr'; did you mean 'doctor'?", run.Console.ErrorText, StringComparison.Ordinal);
    }

    [Fact]
    public void Parser_FlagGivenAValue_IsUsageError()
    {
        var run = new CliRun();

        Assert.Equal(2, run.Invoke("doctor", "--json=yes"));

        Assert.Contains("option '--json' takes no value", run.Console.ErrorText, StringComparison.Ordinal);
    }

    [Fact]
    public void Parser_Closest_PicksSmallestEditDistance()
    {
        Assert.Equal("--service-name", OptionParser.Closest("--servicename", ["--service-version", "--service-name", "--sampler"]));
        Assert.Equal(0, OptionParser.Distance("abc", "abc"));
        Assert.Equal(3, OptionParser.Distance("", "abc"));
    }

    [Fact]
    public void Parser_Canonical_TurnsUnderscoresIntoDashes()
    {
        Assert.Equal("--traces-exporter", OptionParser.Canonical("--traces_exporter"));
        Assert.Equal("-x_y", OptionParser.Canonical("-x_y"));
    }
}
