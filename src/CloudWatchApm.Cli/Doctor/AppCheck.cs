// `cwapm doctor --app`: can this application be instrumented, and how. Reads what the host
// reads (runtimeconfig.json, deps.json, the apphost) and applies what was measured about
// loading (docs: DESIGN "Loading"): .NET 10+ needs only the startup hook, framework-dependent
// .NET 8/9 also the additional deps and store, self-contained .NET 8/9 cannot be done.
using System.Globalization;
using System.Text.Json;

namespace CloudWatchApm.Cli.Doctor;

internal static class AppCheck
{
    internal const string Name = "app";

    /// <summary>The 32 bytes an apphost carries; the 8 bytes before them are the bundle offset, non-zero in a single-file app.</summary>
    internal static readonly byte[] BundleSignature =
    [
        0x8b, 0x12, 0x02, 0xb9, 0x6a, 0x61, 0x20, 0x38, 0x72, 0x7b, 0x93, 0x02, 0x14, 0xd7, 0xa0, 0x32,
        0x13, 0xf5, 0xb9, 0xe6, 0xef, 0xae, 0x33, 0x18, 0xee, 0x3b, 0x2d, 0xce, 0x24, 0xb3, 0x6a, 0xae,
    ];

    /// <summary>Switches that PublishTrimmed writes into runtimeconfig.json.</summary>
    private static readonly (string Key, bool Value)[] TrimmedMarkers =
    [
        ("Microsoft.Extensions.DependencyInjection.VerifyOpenGenericServiceTrimmability", true),
        ("System.Resources.ResourceManager.AllowCustomResourceTypes", false),
        ("System.Runtime.InteropServices.BuiltInComInterop.IsSupported", false),
        ("System.StartupHookProvider.IsSupported", false),
    ];

    internal static CheckResult Run(string path, string? home)
    {
        var files = AppFileLocator.Locate(path, out var problem);
        if (files is null)
        {
            return new CheckResult(Name, CheckStatus.Fail, problem!) { Fix = "Pass the folder the app was published to, or its .dll." };
        }

        try
        {
            return Inspect(files, home);
        }
        catch (Exception ex) when (ex is JsonException or IOException or UnauthorizedAccessException or InvalidOperationException or FormatException)
        {
            return new CheckResult(Name, CheckStatus.Fail, "cannot read the app's files: " + ex.Message) { Fix = "Check the files are readable and are what `dotnet publish` wrote." };
        }
    }

    private static CheckResult Inspect(AppFiles files, string? home)
    {
        if (files.RuntimeConfig is null)
        {
            if (files.Executable is not null && IsBundle(files.Executable))
            {
                var bundle = new CheckResult(Name, CheckStatus.Warn, files.Name + " is a single-file app: its runtimeconfig is inside the bundle");
                bundle.Fix = "Self-contained single-file apps on .NET 8/9 cannot be instrumented; on .NET 10 they can. To be sure, publish without "
                    + "PublishSingleFile and run `cwapm doctor --app` on that folder.";
                return bundle;
            }

            if (files.Executable is not null && files.Dll is null)
            {
                return new CheckResult(Name, CheckStatus.Fail, files.Name + " is native code (native AOT, or not a .NET app): no runtimeconfig.json and no managed dll")
                {
                    Fix = "A native AOT app has no runtime to load the agent into: publish it without PublishAot to instrument it, or add the OpenTelemetry SDK in code.",
                };
            }

            return new CheckResult(Name, CheckStatus.Fail, "no " + files.Name + ".runtimeconfig.json in " + files.Directory + ": a library, or not a published app")
            {
                Fix = "Point --app at the output of `dotnet publish` (or `dotnet build`) of the application.",
            };
        }

        using var document = JsonDocument.Parse(File.ReadAllText(files.RuntimeConfig), AppFileLocator.JsonOptions);
        var options = document.RootElement.GetProperty("runtimeOptions");
        var tfm = options.TryGetProperty("tfm", out var t) ? t.GetString() : null;
        var rollForward = options.TryGetProperty("rollForward", out var rf) ? rf.GetString() : null;
        var selfContained = options.TryGetProperty("includedFrameworks", out var included);
        var frameworks = new List<(string Name, string Version)>();
        if (selfContained)
        {
            AddFrameworks(frameworks, included);
        }
        else
        {
            if (options.TryGetProperty("framework", out var single))
            {
                AddFrameworks(frameworks, single);
            }

            if (options.TryGetProperty("frameworks", out var many))
            {
                AddFrameworks(frameworks, many);
            }
        }

        var runtime = frameworks.FirstOrDefault(f => f.Name == "Microsoft.NETCore.App");
        if (runtime.Name is null && frameworks.Count > 0)
        {
            runtime = frameworks[0];
        }

        var result = new CheckResult(Name, CheckStatus.Ok, string.Empty);
        var appCommand = files.Dll is not null ? "dotnet " + Path.GetFileName(files.Dll) : "./" + files.Name;
        result.Details.Add("app: " + Path.Combine(files.Directory, files.Name));
        result.Details.Add("target framework: " + (tfm ?? "unknown"));
        foreach (var framework in frameworks)
        {
            result.Details.Add("framework: " + framework.Name + " " + framework.Version + (selfContained ? " (self-contained)" : " (framework-dependent)"));
        }

        if (rollForward is not null)
        {
            result.Details.Add("rollForward: " + rollForward);
        }

        var properties = options.TryGetProperty("configProperties", out var p) && p.ValueKind == JsonValueKind.Object ? p : default;
        var hooksDisabled = properties.ValueKind == JsonValueKind.Object && IsFalse(properties, "System.StartupHookProvider.IsSupported");
        var trimmed = properties.ValueKind == JsonValueKind.Object && TrimmedMarkers.Any(m => m.Value ? IsTrue(properties, m.Key) : IsFalse(properties, m.Key));

        var libraries = files.DepsJson is not null ? AppFileLocator.ReadLibraries(files.DepsJson) : new Dictionary<string, string>();
        selfContained |= libraries.Keys.Any(k => k.StartsWith("runtimepack.Microsoft.NETCore.App", StringComparison.OrdinalIgnoreCase));

        var version = ParseVersion(runtime.Version);
        var major = version?.Major ?? 0;
        var mayRollToNewerMajor = rollForward is "Major" or "LatestMajor";

        if (hooksDisabled)
        {
            return Verdict(result, CheckStatus.Fail, files.Name + " has startup hooks switched off (System.StartupHookProvider.IsSupported=false" + (trimmed ? ", as PublishTrimmed sets" : string.Empty) + ")",
                "Republish with <StartupHookSupport>true</StartupHookSupport>" + (trimmed ? " and without PublishTrimmed (the trimmer removes the hook code and code the instrumentations need)" : string.Empty) + ".");
        }

        if (version is null)
        {
            return Verdict(result, CheckStatus.Warn, "cannot tell which .NET runtime " + files.Name + " runs on (no framework in its runtimeconfig.json)", "Run it under `cwapm run` and check the agent log (`cwapm status <pid>`).");
        }

        if (major < 8 && !(mayRollToNewerMajor && !selfContained))
        {
            return Verdict(result, CheckStatus.Fail, string.Create(CultureInfo.InvariantCulture, $"{files.Name} runs on .NET {major}: the agent needs .NET 8 or later"),
                "Retarget the app to net8.0 or later, or run it on a newer runtime with DOTNET_ROLL_FORWARD=Major (framework-dependent apps only).");
        }

        if (selfContained && major is 8 or 9)
        {
            return Verdict(result, CheckStatus.Fail, string.Create(CultureInfo.InvariantCulture, $"{files.Name} is self-contained on .NET {major}: it cannot be instrumented"),
                string.Create(CultureInfo.InvariantCulture, $"The runtime inside the app carries System.Diagnostics.DiagnosticSource {major}.0 and the host ignores DOTNET_ADDITIONAL_DEPS for self-contained apps. Publish framework-dependent (--self-contained false) or target .NET 10."));
        }

        CheckStatus status;
        string summary;
        string fix;
        if (!selfContained && (major is 8 or 9 || (major < 8 && mayRollToNewerMajor)))
        {
            status = CheckStatus.Ok;
            summary = string.Create(CultureInfo.InvariantCulture, $"{files.Name} can be instrumented (framework-dependent .NET {major}): startup hook plus DOTNET_ADDITIONAL_DEPS and DOTNET_SHARED_STORE");
            fix = "cwapm run -- " + appCommand + "   (or source instrument.sh: both set all the variables)";
            if (home is not null && tfm is not null && !Directory.Exists(Path.Combine(home, InstrumentingVariables.StoreFolder, "x64", tfm.ToLowerInvariant())))
            {
                status = CheckStatus.Fail;
                summary = "the agent home has no store for " + tfm + ": on .NET 8/9 the host refuses to start this app with the agent (exit code 140)";
                fix = "Install an agent build whose store has x64/" + tfm + " (build.sh makes one per target framework).";
            }
        }
        else
        {
            status = CheckStatus.Ok;
            summary = string.Create(CultureInfo.InvariantCulture, $"{files.Name} can be instrumented ({(selfContained ? "self-contained" : "framework-dependent")} .NET {major}): the startup hook is enough");
            fix = "cwapm run -- " + appCommand;
        }

        if (trimmed)
        {
            status = status == CheckStatus.Ok ? CheckStatus.Warn : status;
            result.Details.Add("looks trimmed (PublishTrimmed): code that instrumentations rely on may be gone");
        }

        if (libraries.TryGetValue("OpenTelemetry", out var otelVersion))
        {
            status = status == CheckStatus.Ok ? CheckStatus.Warn : status;
            result.Details.Add("the app ships OpenTelemetry " + otelVersion + " itself: the agent needs the same packages at 1.20 or later; an older copy in the app can stop the agent from loading (see `cwapm status <pid>`), and the app's own exporters send data too");
        }

        return Verdict(result, status, summary, fix);
    }

    private static CheckResult Verdict(CheckResult result, CheckStatus status, string summary, string fix)
    {
        result.Status = status;
        result.Summary = summary;
        result.Fix = fix;
        return result;
    }

    private static void AddFrameworks(List<(string Name, string Version)> frameworks, JsonElement element)
    {
        if (element.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in element.EnumerateArray())
            {
                AddFrameworks(frameworks, item);
            }

            return;
        }

        if (element.ValueKind == JsonValueKind.Object && element.TryGetProperty("name", out var name))
        {
            frameworks.Add((name.GetString() ?? string.Empty, element.TryGetProperty("version", out var v) ? v.GetString() ?? string.Empty : string.Empty));
        }
    }

    private static Version? ParseVersion(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return null;
        }

        var dash = text.IndexOf('-', StringComparison.Ordinal);
        return Version.TryParse(dash > 0 ? text[..dash] : text, out var version) ? version : null;
    }

    private static bool IsFalse(JsonElement properties, string key)
        => properties.TryGetProperty(key, out var value) && (value.ValueKind == JsonValueKind.False || (value.ValueKind == JsonValueKind.String && value.GetString() == "false"));

    private static bool IsTrue(JsonElement properties, string key)
        => properties.TryGetProperty(key, out var value) && (value.ValueKind == JsonValueKind.True || (value.ValueKind == JsonValueKind.String && value.GetString() == "true"));

    /// <summary>
    /// True when the apphost's bundle header offset (the 8 bytes before the signature) is set.
    /// The signature sits in the host code at the start of the file, before the bundled
    /// assemblies, so only the first 32 MiB are read.
    /// </summary>
    internal static bool IsBundle(string executable)
    {
        using var stream = File.OpenRead(executable);
        var bytes = new byte[(int)Math.Min(stream.Length, 32L * 1024 * 1024)];
        stream.ReadExactly(bytes);
        var index = bytes.AsSpan().IndexOf(BundleSignature);
        return index >= 8 && BitConverter.ToInt64(bytes, index - 8) != 0;
    }
}
