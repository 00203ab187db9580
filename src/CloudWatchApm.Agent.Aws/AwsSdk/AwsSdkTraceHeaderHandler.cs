// Puts the AWS span's context on the HTTP request as X-Amzn-Trace-Id, the header AWS services
// read to continue a trace (API Gateway, Lambda, SQS to Lambda, Step Functions), whatever
// OTEL_PROPAGATORS says. A header the SDK already set (Lambda's recursion detection) is kept.
using System.Diagnostics;
using Amazon.Runtime;
using Amazon.Runtime.Internal;
using CloudWatchApm.Agent.Aws.XRay;
using OpenTelemetry.Context.Propagation;

namespace CloudWatchApm.Agent.Aws.AwsSdk;

internal sealed class AwsSdkTraceHeaderHandler : PipelineHandler
{
    private static readonly XRayPropagator Propagator = new();

    public override void InvokeSync(IExecutionContext executionContext)
    {
        Inject(executionContext);
        base.InvokeSync(executionContext);
    }

    public override Task<T> InvokeAsync<T>(IExecutionContext executionContext)
    {
        Inject(executionContext);
        return base.InvokeAsync<T>(executionContext);
    }

    private static void Inject(IExecutionContext executionContext)
    {
        try
        {
            var activity = Activity.Current;
            var headers = executionContext.RequestContext.Request?.Headers;
            if (activity is null || headers is null || activity.Source != AwsSdkInstrumentation.Source)
            {
                return;
            }

            Propagator.Inject(
                new PropagationContext(activity.Context, default),
                headers,
                static (carrier, name, value) => carrier[name] = value,
                static (carrier, name) => Find(carrier, name));
        }
        catch (Exception)
        {
            // Propagation never fails the call.
        }
    }

    private static string[]? Find(IDictionary<string, string> headers, string name)
    {
        if (headers.TryGetValue(name, out var value))
        {
            return [value];
        }

        foreach (var pair in headers)
        {
            if (string.Equals(pair.Key, name, StringComparison.OrdinalIgnoreCase))
            {
                return [pair.Value];
            }
        }

        return null;
    }
}
