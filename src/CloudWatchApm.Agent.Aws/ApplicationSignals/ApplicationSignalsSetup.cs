// Builds the Application Signals pieces the agent adds to its tracer provider.
using Microsoft.Extensions.Configuration;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace CloudWatchApm.Agent.Aws.ApplicationSignals;

internal static class ApplicationSignalsSetup
{
    /// <summary>The span processor (with its own MeterProvider) and the early route capture for ASP.NET Core.</summary>
    internal static ApplicationSignalsProcessor CreateProcessor(
        ResourceBuilder resource,
        string serviceName,
        IReadOnlyList<string> operationPaths,
        Uri endpoint,
        int exportIntervalMilliseconds,
        int exportTimeoutMilliseconds,
        IConfiguration? configuration)
    {
        var generator = new ApplicationSignalsGenerator(serviceName, new OperationPaths(operationPaths));
        var processor = new ApplicationSignalsProcessor(
            generator,
            meterName => ApplicationSignalsMetrics.Create(meterName, resource, endpoint, exportIntervalMilliseconds, exportTimeoutMilliseconds, configuration));
        AspNetCoreRouteCapture.Install();
        return processor;
    }

    internal static Sampler RecordOnly(Sampler sampler) => new RecordOnlySampler(sampler);
}
