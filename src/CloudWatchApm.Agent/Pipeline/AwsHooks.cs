// The AWS features, reached through this one seam so that the AWS assembly is loaded only
// when one of them is configured (or the machine looks like AWS, for the detectors). Every
// method that names an AWS type is NoInlining, so the JIT does not pull the assembly in early.
using System.Runtime.CompilerServices;
using CloudWatchApm.Agent.Aws.ApplicationSignals;
using CloudWatchApm.Agent.Aws.AwsSdk;
using CloudWatchApm.Agent.Aws.Resources;
using CloudWatchApm.Agent.Aws.SigV4;
using CloudWatchApm.Agent.Aws.XRay;
using CloudWatchApm.Agent.Configuration;
using CloudWatchApm.Agent.Diagnostics;
using OpenTelemetry.Exporter;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace CloudWatchApm.Agent.Pipeline;

internal static class AwsHooks
{
    internal static readonly string[] AwsDetectorIds = ["EC2", "ECS", "EKS", "LAMBDA", "ELASTICBEANSTALK"];

    /// <summary>The AWS SDK instrumentation's ID in OTEL_DOTNET_AUTO_TRACES_AWSSDK_INSTRUMENTATION_ENABLED.</summary>
    internal const string AwsSdkInstrumentationId = "AWSSDK";

    // One X-Ray remote sampler per settings object, however many times the sampler is built
    // (Application Signals rebuilds it to wrap it): each would poll the rules on its own.
    private static readonly ConditionalWeakTable<AgentSettings, Sampler> XRayRoots = new();

    internal static bool XRayPropagation(AgentSettings settings) => settings.Propagators.Contains("xray");

    /// <summary>Registers the "xray" propagator and X-Ray trace ids when X-Ray propagation or sampling is on.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    internal static void Install(AgentSettings settings)
    {
        if (XRayPropagation(settings))
        {
            Propagation.Register("xray", () => new XRayPropagator());
        }

        if (XRayPropagation(settings) || settings.Sampler == "xray")
        {
            // X-Ray rejects a Root whose first 8 hex digits are not a recent Unix time.
            XRayIdGenerator.Install();
        }
    }

    /// <summary>The X-Ray remote sampler factory when OTEL_TRACES_SAMPLER=xray, else null.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    internal static Func<Sampler>? XRaySamplerFactory(AgentSettings settings, ResourceBuilder resource)
    {
        if (settings.Sampler != "xray")
        {
            return null;
        }

        return () => new XRayParentBasedSampler(XRayRoots.GetValue(settings, s => XRayRemoteSampler.Create(s.SamplerArgument, resource.Build(), message => AgentLog.Warn("xray sampler: " + message))));
    }

    /// <summary>
    /// With X-Ray propagation, a header with Sampled=? must reach the root sampler; the
    /// X-Ray-aware parent-based sampler does that, the SDK's would drop the request.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    internal static Sampler WrapParentBased(Sampler root) => new XRayParentBasedSampler(root);

    /// <summary>
    /// AWS additions to the tracer provider (AWS SDK spans, Application Signals); nothing
    /// unless one of those features is configured.
    /// </summary>
    internal static void AddTracing(TracerProviderBuilder builder, AgentSettings settings, ResourceBuilder resource, AgentContext context)
    {
        var aws = AwsSettings.Process;

        // The instrumentation is only wired when the app ships AWSSDK.Core: otherwise the app
        // cannot make an AWS call, and neither this assembly's AWS SDK code nor AWSSDK.Core is loaded.
        if (settings.IsInstrumentationEnabled("TRACES", AwsSdkInstrumentationId) && context.AppHas("AWSSDK.Core"))
        {
            AddAwsSdk(builder);
            AgentRuntime.Current?.AddEnabled("aws sdk=" + AwsSdkInstrumentationId);
        }

        if (aws.ApplicationSignalsEnabled)
        {
            AddApplicationSignals(builder, settings, resource, aws);
            AgentRuntime.Current?.AddEnabled("application signals=" + aws.ApplicationSignalsEndpoint);
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void AddAwsSdk(TracerProviderBuilder builder)
    {
        builder.AddSource(AwsSdkInstrumentation.SourceName);
        AwsSdkInstrumentation.Install(message => AgentLog.Info(message));
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void AddApplicationSignals(TracerProviderBuilder builder, AgentSettings settings, ResourceBuilder resource, AwsSettings aws)
    {
        // Spans the sampler drops must still be measured: record them without exporting them.
        builder.SetSampler(ApplicationSignalsSetup.RecordOnly(Sampling.Create(settings, XRaySamplerFactory(settings, resource))));
        builder.AddProcessor(ApplicationSignalsSetup.CreateProcessor(
            resource,
            settings.ServiceName,
            aws.OperationPaths,
            aws.ApplicationSignalsEndpoint,
            settings.MetricExportIntervalMilliseconds,
            settings.MetricExportTimeoutMilliseconds,
            AgentRuntime.Current?.SdkConfiguration));
    }

    /// <summary>
    /// AWS additions to one signal's OTLP exporter: an endpoint of CloudWatch's own OTLP API
    /// (xray.{region}.amazonaws.com/v1/traces, logs.{region}.amazonaws.com/v1/logs) is exported
    /// to over http/protobuf with every request signed with SigV4.
    /// </summary>
    internal static void ConfigureOtlp(OtlpExporterOptions options, OtlpSignalSettings signal)
    {
        var host = signal.Endpoint.Host;
        if (host.EndsWith(".amazonaws.com", StringComparison.OrdinalIgnoreCase) || host.EndsWith(".amazonaws.com.cn", StringComparison.OrdinalIgnoreCase))
        {
            ConfigureSigV4(options, signal);
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ConfigureSigV4(OtlpExporterOptions options, OtlpSignalSettings signal)
    {
        var described = SigV4Export.TryConfigure(options, signal.Signal, signal.Endpoint, signal.Headers, signal.TimeoutMilliseconds, AgentLog.Warn);
        if (described is null)
        {
            return;
        }

        if (!signal.IsHttp)
        {
            described += " (http/protobuf: CloudWatch's OTLP endpoints do not speak grpc)";
        }

        AgentLog.Info(described);
        AgentRuntime.Current?.AddEnabled(described);
    }

    /// <summary>Runs the AWS resource detectors, but only on a machine with a sign of AWS.</summary>
    internal static IEnumerable<KeyValuePair<string, object>> DetectResources(AgentSettings settings)
    {
        var enabled = AwsDetectorIds.Where(settings.IsResourceDetectorEnabled).ToList();
        if (enabled.Count == 0 || !LooksLikeAws())
        {
            return [];
        }

        return Detect(enabled);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static List<KeyValuePair<string, object>> Detect(List<string> enabled)
        => [.. AwsResourceDetection.Detect(enabled, message => AgentLog.Debug("aws resource detection: " + message)).Attributes];

    /// <summary>
    /// Cheap local signs of AWS (environment variables, DMI vendor files, the Beanstalk file):
    /// off AWS the detectors, their assembly and their threads are never touched.
    /// </summary>
    internal static bool LooksLikeAws()
    {
        if (Environment.GetEnvironmentVariable("AWS_LAMBDA_FUNCTION_NAME") is { Length: > 0 }
            || Environment.GetEnvironmentVariable("ECS_CONTAINER_METADATA_URI_V4") is { Length: > 0 }
            || Environment.GetEnvironmentVariable("AWS_EXECUTION_ENV") is { Length: > 0 }
            || Environment.GetEnvironmentVariable("KUBERNETES_SERVICE_HOST") is { Length: > 0 }
            || File.Exists("/var/elasticbeanstalk/xray/environment.conf"))
        {
            return true;
        }

        foreach (var file in new[] { "sys_vendor", "bios_vendor", "board_asset_tag", "product_name", "bios_version" })
        {
            try
            {
                var path = "/sys/devices/virtual/dmi/id/" + file;
                if (File.Exists(path))
                {
                    var text = File.ReadAllText(path).Trim();
                    if (text.Contains("amazon", StringComparison.OrdinalIgnoreCase) || text.StartsWith("i-", StringComparison.Ordinal))
                    {
                        return true;
                    }
                }
            }
            catch (IOException)
            {
                // Unreadable DMI data: not a sign of anything.
            }
            catch (UnauthorizedAccessException)
            {
                // Same.
            }
        }

        return false;
    }
}
