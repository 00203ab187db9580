using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using CloudWatchApm.Agent.Shared;
using CloudWatchApm.Cli.Doctor;

namespace CloudWatchApm.Cli.Commands;

/// <summary>`cwapm doctor`: one verdict per check, each with what to do when it fails.</summary>
internal sealed class DoctorCommand : Command
{
    internal const string ConfigurationCheckName = "configuration";

    internal override string Name => "doctor";

    internal override string Brief => "check home, configuration, collector, an app and AWS credentials";

    internal override string Summary => "Check the agent home, the configuration, the collector (a real test export), an app (--app) and AWS credentials; say what to do about each problem.";

    internal override string Usage => "doctor [--app PATH] [--endpoint URL] [--protocol PROTOCOL] [--home DIR] [--json]";

    internal override IReadOnlyList<OptionSpec> Options { get; } =
    [
        new OptionSpec("--app", "PATH", "an app's publish folder, dll or executable: can it be instrumented, and how"),
        new OptionSpec("--endpoint", "URL", "collector to test instead of the configured one (like " + ConfigurationKeys.OtlpEndpoint + ")"),
        new OptionSpec("--protocol", "PROTOCOL", "grpc or http/protobuf instead of the configured one"),
        new OptionSpec("--home", "DIR", "agent home to check (default: OTEL_DOTNET_AUTO_HOME, else this cwapm's home)"),
        new OptionSpec("--json", null, "print the verdicts as JSON"),
    ];

    internal override string Details => """
        Checks, in order:
          agent home      every file present and matching checksums.sha256
          configuration   every OTEL_* problem at once (names the variable and the accepted values)
          collector       exports one test span over the configured protocol, with timing
          app             with --app: runtime, self-contained, trimmed, native AOT, single-file
          aws credentials when a traces/logs endpoint is on amazonaws.com: which source the SDK would use
        Exit code: 0 when nothing failed (warnings allowed), 1 when a check failed, 2 usage error.

        Examples:
          cwapm doctor
          cwapm doctor --app ./bin/Release/net8.0/publish --endpoint http://collector:4317
          cwapm doctor --json | jq '.checks[] | select(.status == "fail")'
        """;

    internal override int Execute(CliContext context, ParsedArgs args)
    {
        if (args.Positionals.Count > 0)
        {
            return UsageError(context, string.Create(CultureInfo.InvariantCulture, $"unexpected argument '{args.Positionals[0]}' (use --app PATH for an app)"));
        }

        var environment = context.Environment.GetAll();
        var home = AgentHome.Locate(context.Environment, args.Get("--home"), out var homeProblem);
        var checks = new List<CheckResult>
        {
            HomeCheck.Run(home, homeProblem),
            ConfigurationCheck(environment, home),
            CollectorCheck.Run(environment, args.Get("--endpoint"), args.Get("--protocol")),
            args.Get("--app") is { } app ? AppCheck.Run(app, home) : new CheckResult(AppCheck.Name, CheckStatus.Skip, "no --app given"),
            AwsCredentialsCheck.Run(environment, context.Environment.UserHome),
        };

        var failed = checks.Count(c => c.Status == CheckStatus.Fail);
        var exitCode = failed > 0 ? ExitCodes.Problems : ExitCodes.Ok;
        if (args.Has("--json"))
        {
            context.Console.Out.Write(Json(checks, exitCode));
        }
        else
        {
            context.Console.Out.Write(Text(checks));
        }

        return exitCode;
    }

    internal static CheckResult ConfigurationCheck(IReadOnlyDictionary<string, string> environment, string? home)
    {
        var problems = AgentValidation.Problems(environment);
        problems.AddRange(StartupHookProblems(environment));
        var set = environment.Keys.Where(k => k.StartsWith("OTEL_", StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToList();
        var result = problems.Count == 0
            ? new CheckResult(ConfigurationCheckName, CheckStatus.Ok, string.Create(CultureInfo.InvariantCulture, $"{set.Count} OTEL_* variables set, no problems (unset ones take the agent's defaults)"))
            : new CheckResult(ConfigurationCheckName, CheckStatus.Fail, string.Create(CultureInfo.InvariantCulture, $"{problems.Count} problem{(problems.Count == 1 ? string.Empty : "s")} in the configuration"))
            {
                Fix = "Correct the variables above; the agent warns about each at startup and uses what the line says instead.",
            };

        result.Details.AddRange(problems);
        foreach (var key in set)
        {
            var value = environment[key];
            if (key.EndsWith("_HEADERS", StringComparison.Ordinal))
            {
                value = RedactHeaders(value);
            }

            result.Details.Add("set: " + key + "=" + value);
        }

        var hooks = environment.TryGetValue(ConfigurationKeys.DotnetStartupHooks, out var h) ? h : null;
        var agentHooks = string.IsNullOrEmpty(hooks) ? [] : hooks.Split(':').Where(InstrumentingVariables.IsAgentHook).ToList();
        if (agentHooks.Count == 0)
        {
            result.Details.Add("this environment does not load the agent (" + ConfigurationKeys.DotnetStartupHooks + " has no " + InstrumentingVariables.HookFileName
                + "): apps get it through `cwapm run`, `eval \"$(cwapm env)\"` or instrument.sh");
        }
        else if (home is not null && !agentHooks.Any(hook => InstrumentingVariables.HomeOf(hook) == InstrumentingVariables.TrimEnd(home)))
        {
            result.Details.Add(ConfigurationKeys.DotnetStartupHooks + " loads a hook from another home than " + home);
        }

        return result;
    }

    /// <summary>Values of header variables are secrets (API keys): only the names are shown.</summary>
    internal static string RedactHeaders(string value)
    {
        var names = new List<string>();
        foreach (var item in value.Split(','))
        {
            var eq = item.IndexOf('=', StringComparison.Ordinal);
            names.Add(eq > 0 ? item[..eq].Trim() + "=***" : "***");
        }

        return string.Join(',', names);
    }

    /// <summary>
    /// Not the agent's business (it never runs then): a startup hook that does not exist stops
    /// every .NET app started with this environment.
    /// </summary>
    private static IEnumerable<string> StartupHookProblems(IReadOnlyDictionary<string, string> environment)
    {
        if (!environment.TryGetValue(ConfigurationKeys.DotnetStartupHooks, out var value) || string.IsNullOrEmpty(value))
        {
            yield break;
        }

        foreach (var entry in value.Split(':'))
        {
            if (entry.Length > 0 && Path.IsPathRooted(entry) && !File.Exists(entry))
            {
                yield return ConfigurationKeys.DotnetStartupHooks + " names '" + entry + "', which does not exist: every .NET app started with this environment fails to start";
            }
        }
    }

    internal static string Text(IReadOnlyList<CheckResult> checks)
    {
        var sb = new StringBuilder();
        foreach (var check in checks)
        {
            var label = check.Status switch
            {
                CheckStatus.Ok => "[ ok ]",
                CheckStatus.Warn => "[warn]",
                CheckStatus.Fail => "[FAIL]",
                _ => "[skip]",
            };
            sb.Append(label).Append(' ').Append(check.Name).Append(": ").Append(check.Summary).Append('\n');
            foreach (var detail in check.Details)
            {
                sb.Append("       ").Append(detail).Append('\n');
            }

            if (check.Fix is not null && check.Status is CheckStatus.Fail or CheckStatus.Warn)
            {
                sb.Append("       fix: ").Append(check.Fix).Append('\n');
            }
            else if (check.Fix is not null && check.Name == AppCheck.Name)
            {
                sb.Append("       how: ").Append(check.Fix).Append('\n');
            }
        }

        var failed = checks.Count(c => c.Status == CheckStatus.Fail);
        var warned = checks.Count(c => c.Status == CheckStatus.Warn);
        sb.Append(failed == 0
            ? string.Create(CultureInfo.InvariantCulture, $"\nNo problems found ({warned} warning{(warned == 1 ? string.Empty : "s")}).\n")
            : string.Create(CultureInfo.InvariantCulture, $"\n{failed} check{(failed == 1 ? string.Empty : "s")} failed, {warned} warning{(warned == 1 ? string.Empty : "s")}.\n"));
        return sb.ToString();
    }

    internal static string Json(IReadOnlyList<CheckResult> checks, int exitCode)
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            json.WriteStartArray("checks");
            foreach (var check in checks)
            {
                json.WriteStartObject();
                json.WriteString("name", check.Name);
                json.WriteString("status", CheckResult.Label(check.Status));
                json.WriteString("summary", check.Summary);
                json.WriteStartArray("details");
                foreach (var detail in check.Details)
                {
                    json.WriteStringValue(detail);
                }

                json.WriteEndArray();
                if (check.Fix is null)
                {
                    json.WriteNull("fix");
                }
                else
                {
                    json.WriteString("fix", check.Fix);
                }

                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteNumber("failed", checks.Count(c => c.Status == CheckStatus.Fail));
            json.WriteNumber("warnings", checks.Count(c => c.Status == CheckStatus.Warn));
            json.WriteNumber("exitCode", exitCode);
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray()).Replace("\r\n", "\n", StringComparison.Ordinal) + "\n";
    }
}
