// Names and values CloudWatch Application Signals reads (the same as the AWS distro's, so the
// CloudWatch agent's Application Signals pipeline and dashboards work unchanged).
namespace CloudWatchApm.Agent.Aws.ApplicationSignals;

internal static class ApplicationSignalsConventions
{
    internal const string MeterName = "CloudWatchApm.ApplicationSignals";

    internal const string LatencyMetric = "Latency";
    internal const string ErrorMetric = "Error";
    internal const string FaultMetric = "Fault";
    internal const string LatencyUnit = "Milliseconds";

    internal const string LocalService = "aws.local.service";
    internal const string LocalOperation = "aws.local.operation";
    internal const string SpanKind = "aws.span.kind";
    internal const string RemoteService = "aws.remote.service";
    internal const string RemoteOperation = "aws.remote.operation";
    internal const string RemoteResourceType = "aws.remote.resource.type";
    internal const string RemoteResourceIdentifier = "aws.remote.resource.identifier";

    internal const string KindLocalRoot = "LOCAL_ROOT";
    internal const string KindServer = "SERVER";
    internal const string KindClient = "CLIENT";
    internal const string KindProducer = "PRODUCER";
    internal const string KindConsumer = "CONSUMER";

    internal const string UnknownService = "UnknownService";
    internal const string UnknownOperation = "UnknownOperation";
    internal const string UnknownRemoteService = "UnknownRemoteService";
    internal const string UnknownRemoteOperation = "UnknownRemoteOperation";
    internal const string InternalOperation = "InternalOperation";

    /// <summary>The value every operation beyond the cardinality bound is reported as.</summary>
    internal const string OtherOperations = "AllOtherOperations";

    /// <summary>The value every resource identifier beyond the cardinality bound is reported as.</summary>
    internal const string OtherResources = "AllOtherResources";
}
