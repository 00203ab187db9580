using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Xunit;

namespace CloudWatchApm.Cli.Tests;

public sealed class EnvCommandTests : IDisposable
{
    private const string Tricky = "it's \"quoted\" $HOME \\ back";
    private readonly TempDirectory _temp = new();
    private readonly string _home;

    public EnvCommandTests()
    {
        _home = TestHomes.Create(_temp.Combine("home"));
    }

    public void Dispose() => _temp.Dispose();

    private CliRun NewRun()
    {
        var run = new CliRun();
        run.Environment.Variables["OTEL_DOTNET_AUTO_HOME"] = _home;
        return run;
    }

    [Fact]
    public void Env_DefaultSh_EvaluatesInARealShellToTheSameValues()
    {
        var run = NewRun();
        Assert.Equal(0, run.Invoke("env", "--service-name", Tricky));

        var script = run.Console.OutText + "printf '%s\\n' \"$OTEL_SERVICE_NAME\" \"$DOTNET_STARTUP_HOOKS\" \"$OTEL_DOTNET_AUTO_HOME\"\n";
        var start = new ProcessStartInfo("/bin/sh") { RedirectStandardInput = true, RedirectStandardOutput = true, UseShellExecute = false };
        start.Environment.Remove("DOTNET_STARTUP_HOOKS");
        using var shell = Process.Start(start)!;
        shell.StandardInput.Write(script);
        shell.StandardInput.Close();
        var lines = shell.StandardOutput.ReadToEnd().Split('\n');
        shell.WaitForExit();

        Assert.Equal(0, shell.ExitCode);
        Assert.Equal(Tricky, lines[0]);
        Assert.Equal(_home + "/hook/CloudWatchApm.Agent.StartupHook.dll", lines[1]);
        Assert.Equal(_home, lines[2]);
    }

    [Fact]
    public void Env_ShellFormats_MergeWithTheCurrentEnvironment()
    {
        var run = NewRun();
        run.Environment.Variables["DOTNET_STARTUP_HOOKS"] = "/x/Other.dll";

        Assert.Equal(0, run.Invoke("env"));

        Assert.Contains("export DOTNET_STARTUP_HOOKS='/x/Other.dll:" + _home + "/hook/CloudWatchApm.Agent.StartupHook.dll'\n", run.Console.OutText, StringComparison.Ordinal);
    }

    [Fact]
    public void Env_Fish_UsesSetGx()
    {
        var run = NewRun();

        Assert.Equal(0, run.Invoke("env", "--format", "fish", "--service-name", "it's"));

        Assert.Contains("set -gx OTEL_DOTNET_AUTO_HOME '" + _home + "'\n", run.Console.OutText, StringComparison.Ordinal);
        Assert.Contains("set -gx OTEL_SERVICE_NAME 'it\\'s'\n", run.Console.OutText, StringComparison.Ordinal);
    }

    [Fact]
    public void Env_PowerShell_UsesEnvDrive()
    {
        var run = NewRun();

        Assert.Equal(0, run.Invoke("env", "--format=powershell", "--service-name", "it's"));

        Assert.Contains("$env:DOTNET_SHARED_STORE = '" + _home + "/store'\n", run.Console.OutText, StringComparison.Ordinal);
        Assert.Contains("$env:OTEL_SERVICE_NAME = 'it''s'\n", run.Console.OutText, StringComparison.Ordinal);
    }

    [Fact]
    public void Env_Dotenv_PlainWhenSafeQuotedOtherwise()
    {
        var run = NewRun();
        run.Environment.Variables["DOTNET_STARTUP_HOOKS"] = "/x/Other.dll";

        Assert.Equal(0, run.Invoke("env", "--format", "dotenv", "--service-name", "a b"));

        var text = run.Console.OutText;
        Assert.Contains("DOTNET_STARTUP_HOOKS=" + _home + "/hook/CloudWatchApm.Agent.StartupHook.dll\n", text, StringComparison.Ordinal);
        Assert.Contains("OTEL_SERVICE_NAME=\"a b\"\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Env_Dockerfile_UsesContainerHomeAndEscapes()
    {
        var run = NewRun();

        Assert.Equal(0, run.Invoke("env", "--format", "dockerfile", "--service-name", Tricky));

        var text = run.Console.OutText;
        Assert.StartsWith("ENV DOTNET_STARTUP_HOOKS=\"/cwapm/hook/CloudWatchApm.Agent.StartupHook.dll\"\n", text, StringComparison.Ordinal);
        Assert.Contains("ENV OTEL_DOTNET_AUTO_HOME=\"/cwapm\"\n", text, StringComparison.Ordinal);
        Assert.Contains("ENV OTEL_SERVICE_NAME=\"it's \\\"quoted\\\" \\$HOME \\\\ back\"\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Env_Kubernetes_ParsesAsYamlEnvList()
    {
        var run = NewRun();
        run.Environment.Variables["DOTNET_STARTUP_HOOKS"] = "/host/only.dll";

        Assert.Equal(0, run.Invoke("env", "--format", "k8s", "--service-name", Tricky, "--deployment-environment", "prod", "--set", "X=line1\nline2"));

        var env = MiniYaml.ParseEnvList(run.Console.OutText);
        Assert.Equal(
            ["DOTNET_STARTUP_HOOKS", "DOTNET_ADDITIONAL_DEPS", "DOTNET_SHARED_STORE", "OTEL_DOTNET_AUTO_HOME", "OTEL_SERVICE_NAME", "OTEL_RESOURCE_ATTRIBUTES", "X"],
            env.Select(e => e.Key));
        Assert.Equal("/cwapm/hook/CloudWatchApm.Agent.StartupHook.dll", env[0].Value);
        Assert.Equal(Tricky, env[4].Value);
        Assert.Equal("deployment.environment.name=prod", env[5].Value);
        Assert.Equal("line1\nline2", env[6].Value);
    }

    [Fact]
    public void Env_Ecs_ParsesAsJsonEnvironmentArray()
    {
        var run = NewRun();

        Assert.Equal(0, run.Invoke("env", "--format", "ecs", "--home", "/otel/cwapm", "--service-name", Tricky));

        using var json = JsonDocument.Parse(run.Console.OutText);
        var items = json.RootElement.GetProperty("environment").EnumerateArray()
            .Select(e => (Name: e.GetProperty("name").GetString(), Value: e.GetProperty("value").GetString())).ToList();
        Assert.Equal(5, items.Count);
        Assert.Equal(("DOTNET_STARTUP_HOOKS", "/otel/cwapm/hook/CloudWatchApm.Agent.StartupHook.dll"), items[0]);
        Assert.Equal(("OTEL_DOTNET_AUTO_HOME", "/otel/cwapm"), items[3]);
        Assert.Equal(("OTEL_SERVICE_NAME", Tricky), items[4]);
    }

    [Fact]
    public void Env_ContainerFormats_IgnoreTheLocalEnvironmentAndHome()
    {
        var run = NewRun();
        run.Environment.Variables["DOTNET_STARTUP_HOOKS"] = "/host/only.dll";
        run.Environment.Variables["OTEL_RESOURCE_ATTRIBUTES"] = "host=local";

        Assert.Equal(0, run.Invoke("env", "--format", "dockerfile", "--deployment-environment", "prod"));

        Assert.DoesNotContain("/host/only.dll", run.Console.OutText, StringComparison.Ordinal);
        Assert.DoesNotContain("host=local", run.Console.OutText, StringComparison.Ordinal);
        Assert.DoesNotContain(_home, run.Console.OutText, StringComparison.Ordinal);
    }

    [Fact]
    public void Env_UnknownFormat_IsUsageErrorWithClosest()
    {
        var run = NewRun();

        Assert.Equal(2, run.Invoke("env", "--format", "dotnev"));

        Assert.Contains("unknown format 'dotnev'; did you mean 'dotenv'?", run.Console.ErrorText, StringComparison.Ordinal);
    }

    [Fact]
    public void Env_VariablesComeFromInstrumentingVariables()
    {
        var run = NewRun();
        Assert.Equal(0, run.Invoke("env", "--format", "dotenv"));

        var names = run.Console.OutText.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l[..l.IndexOf('=', StringComparison.Ordinal)]);

        Assert.Equal(InstrumentingVariables.Names, names);
    }

    [Fact]
    public void Env_NoHomeForALocalFormat_ExitsOne()
    {
        var run = new CliRun();

        Assert.Equal(1, run.Invoke("env", "--format", "sh"));
        Assert.Equal(0, new CliRun().Invoke("env", "--format", "k8s"));
    }

    [Fact]
    public void MiniYaml_RejectsBrokenDocuments()
    {
        Assert.Throws<FormatException>(() => MiniYaml.ParseEnvList("env:\n  - name: A\n"));
        Assert.Throws<FormatException>(() => MiniYaml.ParseEnvList("env:\n  - name: A\n    value: \"unterminated\n"));
        Assert.Throws<FormatException>(() => MiniYaml.ParseEnvList("environment:\n"));
    }
}

/// <summary>
/// A strict reader for the YAML subset `cwapm env --format k8s` writes: a mapping with one key
/// `env` holding a block sequence of mappings with plain `name` and double-quoted `value`
/// scalars. Anything else is rejected, so a formatting slip fails the test.
/// </summary>
internal static class MiniYaml
{
    public static List<KeyValuePair<string, string>> ParseEnvList(string yaml)
    {
        var lines = yaml.Split('\n').Where(l => l.Length > 0).ToList();
        if (lines.Count == 0 || lines[0] != "env:")
        {
            throw new FormatException("expected 'env:' first");
        }

        var result = new List<KeyValuePair<string, string>>();
        for (var i = 1; i < lines.Count; i += 2)
        {
            if (!lines[i].StartsWith("  - name: ", StringComparison.Ordinal) || i + 1 >= lines.Count || !lines[i + 1].StartsWith("    value: ", StringComparison.Ordinal))
            {
                throw new FormatException("expected a '- name:' / 'value:' pair at line " + (i + 1));
            }

            var name = lines[i]["  - name: ".Length..];
            if (name.Length == 0 || name.Any(c => !(char.IsAsciiLetterOrDigit(c) || c == '_')))
            {
                throw new FormatException("bad name '" + name + "'");
            }

            result.Add(new(name, DoubleQuoted(lines[i + 1]["    value: ".Length..])));
        }

        return result;
    }

    private static string DoubleQuoted(string scalar)
    {
        if (scalar.Length < 2 || scalar[0] != '"' || scalar[^1] != '"')
        {
            throw new FormatException("expected a double-quoted scalar: " + scalar);
        }

        var sb = new StringBuilder();
        for (var i = 1; i < scalar.Length - 1; i++)
        {
            var c = scalar[i];
            if (c == '"')
            {
                throw new FormatException("unescaped quote in " + scalar);
            }

            if (c != '\\')
            {
                sb.Append(c);
                continue;
            }

            var next = scalar[++i];
            switch (next)
            {
                case '"': sb.Append('"'); break;
                case '\\': sb.Append('\\'); break;
                case 'n': sb.Append('\n'); break;
                case 't': sb.Append('\t'); break;
                case 'r': sb.Append('\r'); break;
                case 'u':
                    sb.Append((char)Convert.ToInt32(scalar.Substring(i + 1, 4), 16));
                    i += 4;
                    break;
                default: throw new FormatException("unknown escape \\" + next);
            }
        }

        return sb.ToString();
    }
}
