// The resource every signal carries: service identity, the SDK and distro, the user's
// OTEL_RESOURCE_ATTRIBUTES and the detectors that are switched on. Built from empty so that
// the SDK's own environment detector cannot read OTEL_RESOURCE_ATTRIBUTES a second time
// with different (non-spec) rules.
using System.Runtime.InteropServices;
using CloudWatchApm.Agent.Aws.Resources;
using CloudWatchApm.Agent.Configuration;
using CloudWatchApm.Agent.Diagnostics;
using OpenTelemetry.Resources;

namespace CloudWatchApm.Agent.Pipeline;

internal static class ResourceFactory
{
    internal const string DistroName = "cloudwatch-apm-dotnet";

    internal static ResourceBuilder Create(AgentSettings settings, IEnumerable<KeyValuePair<string, object>>? detected = null)
    {
        var builder = ResourceBuilder.CreateEmpty()
            .AddService(settings.ServiceName, serviceVersion: settings.ServiceVersion, autoGenerateServiceInstanceId: true)
            .AddTelemetrySdk()
            .AddAttributes(
            [
                new("telemetry.distro.name", DistroName),
                new("telemetry.distro.version", AgentContext.AgentVersion),
            ]);

        var attributes = new List<KeyValuePair<string, object>>();
        foreach (var detector in Detectors(settings))
        {
            attributes.AddRange(detector);
        }

        if (detected is not null)
        {
            attributes.AddRange(detected);
        }

        // AWS detectors are more specific than the generic ones (EC2's host.name is the
        // instance's DNS name), so their values replace the generic ones.
        try
        {
            foreach (var pair in AwsHooks.DetectResources(settings))
            {
                attributes.RemoveAll(a => a.Key == pair.Key);
                attributes.Add(pair);
            }
        }
        catch (Exception ex)
        {
            AgentLog.Warn("AWS resource detection failed and was skipped: " + ex.Message);
        }

        // The user's attributes win over detected ones.
        foreach (var pair in settings.ResourceAttributes)
        {
            attributes.RemoveAll(a => a.Key == pair.Key);
            attributes.Add(new(pair.Key, pair.Value));
        }

        return builder.AddAttributes(attributes);
    }

    private static IEnumerable<IEnumerable<KeyValuePair<string, object>>> Detectors(AgentSettings settings)
    {
        if (settings.IsResourceDetectorEnabled("HOST"))
        {
            yield return Guarded("HOST", () => [new("host.name", Environment.MachineName), new("host.arch", Arch())]);
        }

        if (settings.IsResourceDetectorEnabled("OPERATINGSYSTEM"))
        {
            yield return Guarded("OPERATINGSYSTEM", () =>
            [
                new("os.type", OperatingSystem.IsLinux() ? "linux" : OperatingSystem.IsWindows() ? "windows" : OperatingSystem.IsMacOS() ? "darwin" : "unknown"),
                new("os.description", RuntimeInformation.OSDescription),
            ]);
        }

        if (settings.IsResourceDetectorEnabled("PROCESS"))
        {
            yield return Guarded("PROCESS", () =>
            [
                new("process.pid", (long)Environment.ProcessId),
                new("process.executable.name", Path.GetFileName(Environment.ProcessPath ?? string.Empty)),
            ]);
        }

        if (settings.IsResourceDetectorEnabled("PROCESSRUNTIME"))
        {
            yield return Guarded("PROCESSRUNTIME", () =>
            [
                new("process.runtime.name", ".NET"),
                new("process.runtime.version", Environment.Version.ToString()),
                new("process.runtime.description", RuntimeInformation.FrameworkDescription),
            ]);
        }

        if (settings.IsResourceDetectorEnabled("CONTAINER"))
        {
            // The AWS detectors' reader: it knows more runtimes' cgroup and mount layouts (systemd
            // scopes, Fargate ids, overlay-containers) and uses no regular expressions.
            yield return Guarded("CONTAINER", () => new ContainerIdReader().Read() is { } id ? [new("container.id", id)] : []);
        }
    }

    private static List<KeyValuePair<string, object>> Guarded(string id, Func<List<KeyValuePair<string, object>>> detect)
    {
        try
        {
            return detect();
        }
        catch (Exception ex)
        {
            AgentLog.Warn("resource detector " + id + " failed and was skipped: " + ex.Message);
            return [];
        }
    }

    private static string Arch() => RuntimeInformation.ProcessArchitecture switch
    {
        Architecture.X64 => "amd64",
        Architecture.Arm64 => "arm64",
        Architecture.X86 => "x86",
        Architecture.Arm => "arm32",
        _ => RuntimeInformation.ProcessArchitecture.ToString().ToLowerInvariant(),
    };
}
