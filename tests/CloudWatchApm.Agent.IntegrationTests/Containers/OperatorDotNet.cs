// What the OpenTelemetry Operator does to a pod when an Instrumentation's spec.dotnet.image is
// ours: the values of internal/instrumentation/dotnet.go in open-telemetry/opentelemetry-operator
// (read at v0.158.0; the profiler folders were linux-x64/ and linux-musl-x64/ before v0.157.0).
// Facts, restated here so the tests can play the Operator's part.
namespace CloudWatchApm.Agent.IntegrationTests.Containers;

internal static class OperatorDotNet
{
    /// <summary>Where the Operator mounts the shared volume, in the init container and the app container.</summary>
    internal const string MountPath = "/otel-auto-instrumentation-dotnet";

    /// <summary>The init container's command; it replaces the image's ENTRYPOINT and CMD.</summary>
    internal static readonly string[] InitCommand = ["cp", "-r", "/autoinstrumentation/.", MountPath];

    internal const string ProfilerId = "{918728DD-259F-4A6A-AC2B-B85E1B658318}";

    /// <summary>CORECLR_PROFILER_PATH by C library and Operator version.</summary>
    internal static readonly IReadOnlyDictionary<string, string> ProfilerPaths = new Dictionary<string, string>
    {
        ["glibc"] = MountPath + "/linux/OpenTelemetry.AutoInstrumentation.Native.so",
        ["musl"] = MountPath + "/linux-musl/OpenTelemetry.AutoInstrumentation.Native.so",
        ["glibc-before-0.157"] = MountPath + "/linux-x64/OpenTelemetry.AutoInstrumentation.Native.so",
        ["musl-before-0.157"] = MountPath + "/linux-musl-x64/OpenTelemetry.AutoInstrumentation.Native.so",
    };

    /// <summary>The variables the Operator sets on the app container (a fresh container: nothing to append to).</summary>
    internal static Dictionary<string, string> Environment(string profiler) => new()
    {
        ["CORECLR_ENABLE_PROFILING"] = "1",
        ["CORECLR_PROFILER"] = ProfilerId,
        ["CORECLR_PROFILER_PATH"] = ProfilerPaths[profiler],
        ["DOTNET_STARTUP_HOOKS"] = MountPath + "/net/OpenTelemetry.AutoInstrumentation.StartupHook.dll",
        ["DOTNET_ADDITIONAL_DEPS"] = MountPath + "/AdditionalDeps",
        ["OTEL_DOTNET_AUTO_HOME"] = MountPath,
        ["DOTNET_SHARED_STORE"] = MountPath + "/store",
    };
}
