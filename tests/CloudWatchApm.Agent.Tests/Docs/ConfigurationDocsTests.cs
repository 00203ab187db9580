// docs/configuration.md must name every variable in the one keys class.
using System.Reflection;
using CloudWatchApm.Agent.Configuration;
using Xunit;

namespace CloudWatchApm.Agent.Tests.Docs;

public sealed class ConfigurationDocsTests
{
    // The keys class is linked into the agent and the CLI; read the agent's copy.
    private static readonly Type KeysType = typeof(AgentSettings).Assembly.GetType("CloudWatchApm.Agent.Shared.ConfigurationKeys", throwOnError: true)!;

    private static string Const(string name) => (string)KeysType.GetField(name, BindingFlags.Static | BindingFlags.NonPublic)!.GetValue(null)!;

    private static string[] Array(string name) => (string[])KeysType.GetField(name, BindingFlags.Static | BindingFlags.NonPublic)!.GetValue(null)!;

    private static string Docs()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "CloudWatchApm.Agent.sln")))
        {
            dir = dir.Parent;
        }

        return File.ReadAllText(Path.Combine(dir!.FullName, "docs", "configuration.md"));
    }

    public static TheoryData<string> Keys()
    {
        var data = new TheoryData<string>();
        foreach (var field in KeysType.GetFields(BindingFlags.Static | BindingFlags.NonPublic | BindingFlags.Public))
        {
            if (field.IsLiteral && field.GetValue(null) is string value && value.StartsWith("OTEL_", StringComparison.Ordinal) && value != Const("OtlpPrefix"))
            {
                data.Add(value);
            }
            else if (field.IsLiteral && field.GetValue(null) is string loading && loading.StartsWith("DOTNET_", StringComparison.Ordinal))
            {
                data.Add(loading);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Keys))]
    public void ConfigurationDocs_EveryKey_IsDocumented(string key)
        => Assert.Contains("`" + key + "`", Docs(), StringComparison.Ordinal);

    [Fact]
    public void ConfigurationDocs_EveryResourceDetectorAndOtlpSetting_IsDocumented()
    {
        var docs = Docs();
        foreach (var id in Array("ResourceDetectors"))
        {
            Assert.Contains("`" + id + "`", docs, StringComparison.Ordinal);
        }

        foreach (var setting in Array("OtlpSettings"))
        {
            Assert.Contains("`" + Const("OtlpPrefix") + setting + "`", docs, StringComparison.Ordinal);
        }
    }
}
