// Adds the agent's two handlers to every AWS service client pipeline:
//   ... CallbackHandler > [AwsSdkTracingHandler] > Marshaller > [AwsSdkTraceHeaderHandler] > ... RetryHandler ... HttpHandler
// The tracing handler sits outside the retry loop, so one call is one span however many
// attempts it takes, and before the marshaller, so it can still add the SQS AWSTraceHeader
// system attribute to the request object. The header handler sits after the marshaller, where
// the HTTP request exists, to add X-Amzn-Trace-Id. Handlers are shared by all calls of a
// client: they keep nothing per request in fields.
using Amazon.Runtime.Internal;

namespace CloudWatchApm.Agent.Aws.AwsSdk;

internal sealed class AwsSdkPipelineCustomizer(Action<string> log) : IRuntimePipelineCustomizer
{
    public string UniqueName => "CloudWatchApm.AwsSdk";

    public void Customize(Type type, RuntimePipeline pipeline)
    {
        try
        {
            foreach (var handler in pipeline.Handlers)
            {
                if (handler is AwsSdkTracingHandler)
                {
                    return;
                }
            }

            pipeline.AddHandlerBefore<Marshaller>(new AwsSdkTracingHandler());
            pipeline.AddHandlerAfter<Marshaller>(new AwsSdkTraceHeaderHandler());
        }
        catch (Exception ex)
        {
            // A client whose pipeline has no Marshaller is left as it is; the app's call must work.
            log("AWS SDK instrumentation skipped " + type.Name + ": " + ex.Message);
        }
    }
}
