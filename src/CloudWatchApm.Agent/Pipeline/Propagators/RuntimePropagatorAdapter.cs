// On .NET 8+, HttpClient injects trace headers itself (DiagnosticsHandler) and ASP.NET Core
// extracts them itself, both through DistributedContextPropagator.Current, which only knows
// W3C. This adapter routes both through the configured OpenTelemetry propagators, so b3 or
// X-Ray headers go out on HttpClient calls and are honoured on incoming requests.
using System.Diagnostics;
using OpenTelemetry;
using OpenTelemetry.Context.Propagation;

namespace CloudWatchApm.Agent.Pipeline.Propagators;

internal sealed class RuntimePropagatorAdapter(TextMapPropagator inner) : DistributedContextPropagator
{
    public override IReadOnlyCollection<string> Fields { get; } = inner.Fields is { } f ? [.. f] : [];

    public override void Inject(Activity? activity, object? carrier, PropagatorSetterCallback? setter)
    {
        if (activity is null || setter is null || activity.IdFormat != ActivityIdFormat.W3C)
        {
            return;
        }

        var context = new PropagationContext(activity.Context, Baggage.Current);
        inner.Inject(context, carrier, (c, key, value) => setter(c, key, value));
    }

    public override void ExtractTraceIdAndState(object? carrier, PropagatorGetterCallback? getter, out string? traceId, out string? traceState)
    {
        traceId = null;
        traceState = null;
        if (getter is null)
        {
            return;
        }

        var context = inner.Extract(default, carrier, (c, key) => Get(getter, c, key));
        if (context.ActivityContext.TraceId != default)
        {
            // The runtime parses this W3C form back into the parent context.
            var flags = (context.ActivityContext.TraceFlags & ActivityTraceFlags.Recorded) != 0 ? "01" : "00";
            traceId = "00-" + context.ActivityContext.TraceId.ToHexString() + "-" + context.ActivityContext.SpanId.ToHexString() + "-" + flags;
            traceState = context.ActivityContext.TraceState;
        }
    }

    public override IEnumerable<KeyValuePair<string, string?>>? ExtractBaggage(object? carrier, PropagatorGetterCallback? getter)
    {
        if (getter is null)
        {
            return null;
        }

        var context = inner.Extract(default, carrier, (c, key) => Get(getter, c, key));
        var baggage = context.Baggage.GetBaggage();
        return baggage.Count == 0 ? null : baggage.Select(b => new KeyValuePair<string, string?>(b.Key, b.Value)).ToList();
    }

    private static IEnumerable<string> Get(PropagatorGetterCallback getter, object? carrier, string key)
    {
        getter(carrier, key, out var value, out var values);
        if (values is not null)
        {
            return values;
        }

        return value is null ? [] : [value];
    }
}
