// Test application for manual instrumentation: every endpoint does one thing that
// docs/manual-instrumentation.md describes, so the tests can prove each arrives.
using System.Diagnostics;
using System.Diagnostics.Metrics;
using OpenTelemetry.Trace;

var builder = WebApplication.CreateBuilder(args);
var app = builder.Build();

// System.Diagnostics: the .NET way to make spans and metrics; no package needed.
var source = new ActivitySource("ManualApp.Orders", "1.0.0");
var meter = new Meter("ManualApp.Orders", "1.0.0");
var ordersPlaced = meter.CreateCounter<long>("orders.placed", unit: "{order}", description: "Orders placed.");
var orderValue = meter.CreateHistogram<double>("orders.value", unit: "USD", description: "Value of each order.");
var queueDepth = 7;
meter.CreateObservableGauge("orders.queue.depth", () => queueDepth, unit: "{order}", description: "Orders waiting.");

// The OpenTelemetry API: a Tracer is a thin wrapper over an ActivitySource of the same name.
var tracer = TracerProvider.Default.GetTracer("ManualApp.OtelApi", "2.0.0");

app.MapGet("/health", () => "ok");

app.MapGet("/order/{id}", (string id, ILogger<Program> logger) =>
{
    using var activity = source.StartActivity("place-order", ActivityKind.Internal);
    activity?.SetTag("order.id", id);
    activity?.SetTag("order.items", 3);
    activity?.AddEvent(new ActivityEvent("validated", tags: new ActivityTagsCollection { ["order.valid"] = true }));
    using (var child = source.StartActivity("charge-card"))
    {
        child?.SetTag("payment.provider", "test");
    }

    ordersPlaced.Add(1, new KeyValuePair<string, object?>("order.channel", "web"));
    orderValue.Record(42.5, new KeyValuePair<string, object?>("order.channel", "web"));
    activity?.SetStatus(ActivityStatusCode.Ok);
    logger.LogInformation("order {OrderId} placed", id);
    return Results.Ok(new { id });
});

app.MapGet("/fail", () =>
{
    using var activity = source.StartActivity("refund");
    try
    {
        throw new InvalidOperationException("card declined");
    }
    catch (InvalidOperationException ex)
    {
        activity?.AddException(ex);
        activity?.SetStatus(ActivityStatusCode.Error, ex.Message);
    }

    return Results.StatusCode(502);
});

app.MapGet("/otel-api", () =>
{
    using var span = tracer.StartActiveSpan("otel-api-work", SpanKind.Internal);
    span.SetAttribute("api.used", "opentelemetry");
    span.AddEvent("step-one");
    try
    {
        throw new ArgumentException("bad input");
    }
    catch (ArgumentException ex)
    {
        span.RecordException(ex);
        span.SetStatus(Status.Error.WithDescription(ex.Message));
    }

    return "otel-api";
});

app.Run();
