// `receiver`: a local OTLP gRPC endpoint for the overhead runs. It accepts trace, metric and
// log exports and counts spans and log records, so bench.sh can compute dropped spans as
// created minus received. A second, HTTP/1.1 port answers the control requests:
//   GET  /stats  -> "spans=N span_requests=N metric_requests=N logs=N log_requests=N http_metric_requests=N"
//   POST /reset  -> zeroes the counters
// On shutdown (SIGTERM) the final counters are written to --stats-file, so that a receiver
// stopped for a collector-outage run loses none of what it counted.
using System.Globalization;
using System.Net;
using CloudWatchApm.Agent.Benchmarks.Otlp.Logs;
using CloudWatchApm.Agent.Benchmarks.Otlp.Metrics;
using CloudWatchApm.Agent.Benchmarks.Otlp.Trace;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace CloudWatchApm.Agent.Benchmarks.Harness;

internal static class Receiver
{
    internal static async Task<int> RunAsync(Options options)
    {
        var port = options.Int("port", 4317);
        var controlPort = options.Int("control-port", port + 1);
        var statsFile = options.Get("stats-file");

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddGrpc(o => o.MaxReceiveMessageSize = 64 * 1024 * 1024);
        builder.Services.AddSingleton<ReceiverCounters>();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(IPAddress.Loopback, port, listen => listen.Protocols = HttpProtocols.Http2);
            kestrel.Listen(IPAddress.Loopback, controlPort, listen => listen.Protocols = HttpProtocols.Http1);
        });

        await using var app = builder.Build();
        var counters = app.Services.GetRequiredService<ReceiverCounters>();
        app.MapGrpcService<TraceExport>();
        app.MapGrpcService<MetricsExport>();
        app.MapGrpcService<LogsExport>();
        app.MapGet("/stats", () => counters.Describe());
        // OTLP/HTTP metrics, for Application Signals (OTEL_AWS_APPLICATION_SIGNALS_EXPORTER_ENDPOINT).
        app.MapPost("/v1/metrics", async (HttpRequest request) =>
        {
            await request.Body.CopyToAsync(Stream.Null);
            counters.AddHttpMetrics();
            return Results.Bytes([], "application/x-protobuf");
        });
        app.MapPost("/reset", () =>
        {
            counters.Reset();
            return "reset";
        });
        app.Lifetime.ApplicationStopped.Register(() =>
        {
            if (statsFile is not null)
            {
                File.WriteAllText(statsFile, counters.Describe() + "\n");
            }
        });

        await app.StartAsync();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"receiver: OTLP gRPC on 127.0.0.1:{port}, control on 127.0.0.1:{controlPort}"));
        await app.WaitForShutdownAsync();
        return 0;
    }
}

internal sealed class ReceiverCounters
{
    private long _spans;
    private long _spanRequests;
    private long _metricRequests;
    private long _logs;
    private long _logRequests;
    private long _httpMetricRequests;

    internal void AddSpans(long count)
    {
        Interlocked.Add(ref _spans, count);
        Interlocked.Increment(ref _spanRequests);
    }

    internal void AddMetrics() => Interlocked.Increment(ref _metricRequests);

    internal void AddHttpMetrics() => Interlocked.Increment(ref _httpMetricRequests);

    internal void AddLogs(long count)
    {
        Interlocked.Add(ref _logs, count);
        Interlocked.Increment(ref _logRequests);
    }

    internal void Reset()
    {
        Interlocked.Exchange(ref _spans, 0);
        Interlocked.Exchange(ref _spanRequests, 0);
        Interlocked.Exchange(ref _metricRequests, 0);
        Interlocked.Exchange(ref _logs, 0);
        Interlocked.Exchange(ref _logRequests, 0);
        Interlocked.Exchange(ref _httpMetricRequests, 0);
    }

    internal string Describe() => string.Create(
        CultureInfo.InvariantCulture,
        $"spans={Interlocked.Read(ref _spans)} span_requests={Interlocked.Read(ref _spanRequests)} metric_requests={Interlocked.Read(ref _metricRequests)} logs={Interlocked.Read(ref _logs)} log_requests={Interlocked.Read(ref _logRequests)} http_metric_requests={Interlocked.Read(ref _httpMetricRequests)}");
}

internal sealed class TraceExport(ReceiverCounters counters) : TraceService.TraceServiceBase
{
    private static readonly Task<ExportTraceServiceResponse> Ok = Task.FromResult(new ExportTraceServiceResponse());

    public override Task<ExportTraceServiceResponse> Export(ExportTraceServiceRequest request, ServerCallContext context)
    {
        long count = 0;
        foreach (var resource in request.ResourceSpans)
        {
            foreach (var scope in resource.ScopeSpans)
            {
                count += scope.Spans.Count;
            }
        }

        counters.AddSpans(count);
        return Ok;
    }
}

internal sealed class MetricsExport(ReceiverCounters counters) : MetricsService.MetricsServiceBase
{
    private static readonly Task<ExportMetricsServiceResponse> Ok = Task.FromResult(new ExportMetricsServiceResponse());

    public override Task<ExportMetricsServiceResponse> Export(ExportMetricsServiceRequest request, ServerCallContext context)
    {
        counters.AddMetrics();
        return Ok;
    }
}

internal sealed class LogsExport(ReceiverCounters counters) : LogsService.LogsServiceBase
{
    private static readonly Task<ExportLogsServiceResponse> Ok = Task.FromResult(new ExportLogsServiceResponse());

    public override Task<ExportLogsServiceResponse> Export(ExportLogsServiceRequest request, ServerCallContext context)
    {
        long count = 0;
        foreach (var resource in request.ResourceLogs)
        {
            foreach (var scope in resource.ScopeLogs)
            {
                count += scope.LogRecords.Count;
            }
        }

        counters.AddLogs(count);
        return Ok;
    }
}
