// Test application: configures its own TracerProvider (AspNetCore instrumentation, OTLP
// exporter from the standard OTEL_* variables). The agent must not export its spans twice.
using OpenTelemetry.Trace;

var builder = WebApplication.CreateBuilder(args);
builder.Logging.ClearProviders();
builder.Services.AddOpenTelemetry().WithTracing(t => t.AddAspNetCoreInstrumentation().AddOtlpExporter());
var app = builder.Build();
app.MapGet("/health", () => "ok");
app.MapGet("/users/{id}", (string id) => Results.Ok(new { id }));
app.Run();
