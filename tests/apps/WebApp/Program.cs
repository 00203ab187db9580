// Test application: an unmodified ASP.NET Core minimal API. It knows nothing about the agent;
// its own ActivitySource is only exported when named in OTEL_DOTNET_AUTO_TRACES_ADDITIONAL_SOURCES.
using System.Diagnostics;

var builder = WebApplication.CreateBuilder(args);
builder.Services.AddHttpClient();
builder.Logging.ClearProviders();
var app = builder.Build();

using var source = new ActivitySource("TestApp.Custom");

app.MapGet("/", () => "hello");
app.MapGet("/health", () => "ok");
app.MapGet("/users/{id}", (string id) => Results.Ok(new { id }));
app.MapGet("/call", async (IHttpClientFactory factory, HttpContext context) =>
{
    // Calls this same service, so one trace holds: server -> client -> server.
    var self = $"{context.Request.Scheme}://{context.Request.Host}/users/42";
    var client = factory.CreateClient();
    var body = await client.GetStringAsync(new Uri(Environment.GetEnvironmentVariable("DOWNSTREAM_URL") ?? self));
    return Results.Text(body);
});
app.MapGet("/custom", () =>
{
    using var activity = source.StartActivity("custom-work");
    activity?.SetTag("custom.attribute", "value");
    return "custom";
});
app.MapGet("/headers", (HttpContext context) =>
    context.Request.Headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value.ToString()));
app.MapGet("/error", string () => throw new InvalidOperationException("boom"));
app.MapGet("/runtime", () => new
{
    runtime = Environment.Version.ToString(),
    diagnosticSource = typeof(Activity).Assembly.GetName().Version?.ToString(),
    diagnosticSourcePath = typeof(Activity).Assembly.Location,
});

app.Run();
