// One client span per AWS SDK call, named "{Service}.{Operation}" (DynamoDB.GetItem), with the
// RPC attributes, the resource the call touched, the request id, region and HTTP status, and
// errors recorded. Everything about one call lives in locals and in AwsSdkCall, never in the
// handler (one instance serves every concurrent call of a client). The HTTP client span of
// each attempt is suppressed: the AWS span already describes the dependency, and a second
// client span under it would count the same call twice in Application Signals.
using System.Diagnostics;
using Amazon.Runtime;
using Amazon.Runtime.Internal;
using OpenTelemetry;

namespace CloudWatchApm.Agent.Aws.AwsSdk;

internal sealed class AwsSdkTracingHandler : PipelineHandler
{
    public override void InvokeSync(IExecutionContext executionContext)
    {
        var call = AwsSdkCall.Start(executionContext);
        if (call is null)
        {
            base.InvokeSync(executionContext);
            return;
        }

        try
        {
            using (SuppressInstrumentationScope.Begin())
            {
                base.InvokeSync(executionContext);
            }

            call.Complete(executionContext, null);
        }
        catch (Exception ex)
        {
            call.Complete(executionContext, ex);
            throw;
        }
    }

    public override async Task<T> InvokeAsync<T>(IExecutionContext executionContext)
    {
        var call = AwsSdkCall.Start(executionContext);
        if (call is null)
        {
            return await base.InvokeAsync<T>(executionContext).ConfigureAwait(false);
        }

        try
        {
            T response;
            using (SuppressInstrumentationScope.Begin())
            {
                response = await base.InvokeAsync<T>(executionContext).ConfigureAwait(false);
            }

            call.Complete(executionContext, null);
            return response;
        }
        catch (Exception ex)
        {
            call.Complete(executionContext, ex);
            throw;
        }
    }
}

/// <summary>The state of one call: its span and what was changed on the request to restore afterwards.</summary>
internal sealed class AwsSdkCall
{
    private readonly Activity _activity;
    private readonly string _service;
    private readonly SqsTraceContext.ReceiveChange _receive;

    private AwsSdkCall(Activity activity, string service, SqsTraceContext.ReceiveChange receive)
    {
        _activity = activity;
        _service = service;
        _receive = receive;
    }

    internal static AwsSdkCall? Start(IExecutionContext executionContext)
    {
        try
        {
            var requestContext = executionContext.RequestContext;
            var request = requestContext.OriginalRequest;
            if (request is null)
            {
                return null;
            }

            var service = ServiceName(requestContext);
            var operation = OperationName(request.GetType());
            var kind = service == "SQS" && operation is "SendMessage" or "SendMessageBatch" ? ActivityKind.Producer : ActivityKind.Client;
            var activity = AwsSdkInstrumentation.Source.StartActivity(service + "." + operation, kind);
            if (activity is null)
            {
                return null;
            }

            if (activity.IsAllDataRequested)
            {
                activity.SetTag(AwsSdkAttributes.RpcSystem, AwsSdkAttributes.RpcSystemAwsApi);
                activity.SetTag(AwsSdkAttributes.RpcService, service);
                activity.SetTag(AwsSdkAttributes.RpcMethod, operation);
                var region = requestContext.ClientConfig?.RegionEndpoint?.SystemName ?? requestContext.ClientConfig?.AuthenticationRegion;
                if (!string.IsNullOrEmpty(region))
                {
                    activity.SetTag(AwsSdkAttributes.CloudRegion, region);
                }

                AwsRequestFacts.Tag(activity, service, operation, request);
            }

            var receive = default(SqsTraceContext.ReceiveChange);
            if (service == "SQS")
            {
                if (kind == ActivityKind.Producer)
                {
                    SqsTraceContext.Inject(request, activity);
                }
                else if (operation == "ReceiveMessage")
                {
                    receive = SqsTraceContext.RequestTraceHeader(request);
                }
            }

            return new AwsSdkCall(activity, service, receive);
        }
        catch (Exception)
        {
            // The call goes on untraced rather than failing because of the agent.
            return null;
        }
    }

    internal void Complete(IExecutionContext executionContext, Exception? error)
    {
        try
        {
            var activity = _activity;
            var requestContext = executionContext.RequestContext;
            var response = executionContext.ResponseContext?.Response;
            if (_service == "SQS" && _receive.Request is not null)
            {
                SqsTraceContext.ReadTraceHeaders(response, activity, _receive);
            }

            if (activity.IsAllDataRequested)
            {
                if (requestContext.Request?.Endpoint is { } endpoint)
                {
                    activity.SetTag(AwsSdkAttributes.ServerAddress, endpoint.Host);
                    activity.SetTag(AwsSdkAttributes.ServerPort, endpoint.Port);
                }

                if (activity.GetTagItem(AwsSdkAttributes.CloudRegion) is null
                    && (requestContext.Request?.DeterminedSigningRegion ?? requestContext.Request?.AuthenticationRegion) is { Length: > 0 } region)
                {
                    activity.SetTag(AwsSdkAttributes.CloudRegion, region);
                }

                if (response is not null)
                {
                    activity.SetTag(AwsSdkAttributes.HttpStatusCode, (int)response.HttpStatusCode);
                    if (response.ResponseMetadata?.RequestId is { Length: > 0 } requestId)
                    {
                        activity.SetTag(AwsSdkAttributes.RequestId, requestId);
                    }

                    AwsRequestFacts.TagResponse(activity, _service, response);
                }

                if (error is not null)
                {
                    RecordError(activity, error);
                }
            }
            else if (error is not null)
            {
                activity.SetStatus(ActivityStatusCode.Error);
            }
        }
        catch (Exception)
        {
            // Attributes are best effort; the span still ends.
        }
        finally
        {
            _activity.Dispose();
        }
    }

    private static void RecordError(Activity activity, Exception error)
    {
        if (error is AmazonServiceException service)
        {
            if (service.StatusCode != 0)
            {
                activity.SetTag(AwsSdkAttributes.HttpStatusCode, (int)service.StatusCode);
            }

            if (!string.IsNullOrEmpty(service.RequestId))
            {
                activity.SetTag(AwsSdkAttributes.RequestId, service.RequestId);
            }

            activity.SetTag(AwsSdkAttributes.ErrorType, string.IsNullOrEmpty(service.ErrorCode) ? error.GetType().FullName : service.ErrorCode);
        }
        else
        {
            activity.SetTag(AwsSdkAttributes.ErrorType, error.GetType().FullName);
        }

        activity.SetStatus(ActivityStatusCode.Error, error.Message);
        activity.AddException(error);
    }

    /// <summary>"DynamoDB", "SQS", "SecretsManager": the client's service id without spaces.</summary>
    private static string ServiceName(IRequestContext requestContext)
    {
        var id = requestContext.ServiceMetaData?.ServiceId;
        if (string.IsNullOrEmpty(id))
        {
            id = requestContext.ClientConfig?.ServiceId;
        }

        if (string.IsNullOrEmpty(id))
        {
            return "AWS";
        }

        return id.Contains(' ', StringComparison.Ordinal) ? id.Replace(" ", string.Empty, StringComparison.Ordinal) : id;
    }

    private static string OperationName(Type requestType)
    {
        var name = requestType.Name;
        return name.EndsWith("Request", StringComparison.Ordinal) && name.Length > "Request".Length ? name[..^"Request".Length] : name;
    }
}
