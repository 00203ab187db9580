// The three OTLP gRPC Export services. Grpc.AspNetCore has already decoded (and, for
// grpc-encoding: gzip, decompressed) the message; these only flatten it and hand it over.
using CloudWatchApm.Agent.IntegrationTests.Collector.Otlp.Services.Logs;
using CloudWatchApm.Agent.IntegrationTests.Collector.Otlp.Services.Metrics;
using CloudWatchApm.Agent.IntegrationTests.Collector.Otlp.Services.Trace;
using Grpc.Core;

namespace CloudWatchApm.Agent.IntegrationTests.Collector;

internal sealed class TraceExportService(OtlpReceiver receiver) : TraceService.TraceServiceBase
{
    public override Task<ExportTraceServiceResponse> Export(ExportTraceServiceRequest request, ServerCallContext context)
    {
        var spans = OtlpFlattener.Flatten(request, OtlpTransport.Grpc);
        receiver.AcceptGrpc(context, OtlpSignal.Traces, spans.Count, spans: spans);
        return Task.FromResult(new ExportTraceServiceResponse());
    }
}

internal sealed class MetricsExportService(OtlpReceiver receiver) : MetricsService.MetricsServiceBase
{
    public override Task<ExportMetricsServiceResponse> Export(ExportMetricsServiceRequest request, ServerCallContext context)
    {
        var metrics = OtlpFlattener.Flatten(request, OtlpTransport.Grpc);
        receiver.AcceptGrpc(context, OtlpSignal.Metrics, OtlpFlattener.CountPoints(metrics), metrics: metrics);
        return Task.FromResult(new ExportMetricsServiceResponse());
    }
}

internal sealed class LogsExportService(OtlpReceiver receiver) : LogsService.LogsServiceBase
{
    public override Task<ExportLogsServiceResponse> Export(ExportLogsServiceRequest request, ServerCallContext context)
    {
        var logs = OtlpFlattener.Flatten(request, OtlpTransport.Grpc);
        receiver.AcceptGrpc(context, OtlpSignal.Logs, logs.Count, logs: logs);
        return Task.FromResult(new ExportLogsServiceResponse());
    }
}
