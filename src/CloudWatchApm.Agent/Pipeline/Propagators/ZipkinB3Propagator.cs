// Zipkin B3 propagation (the contrib package is not available here). Injects the single
// "b3" header or the X-B3-* headers; extracts either, the single header taking precedence,
// as the OpenTelemetry specification asks. 64-bit trace ids are left-padded to 128 bits.
using System.Diagnostics;
using OpenTelemetry.Context.Propagation;

namespace CloudWatchApm.Agent.Pipeline.Propagators;

internal sealed class ZipkinB3Propagator(bool singleHeader) : TextMapPropagator
{
    internal const string Single = "b3";
    internal const string TraceIdHeader = "X-B3-TraceId";
    internal const string SpanIdHeader = "X-B3-SpanId";
    internal const string ParentSpanIdHeader = "X-B3-ParentSpanId";
    internal const string SampledHeader = "X-B3-Sampled";
    internal const string FlagsHeader = "X-B3-Flags";

    private static readonly HashSet<string> AllFields = new(StringComparer.OrdinalIgnoreCase)
    {
        Single, TraceIdHeader, SpanIdHeader, ParentSpanIdHeader, SampledHeader, FlagsHeader,
    };

    public override ISet<string> Fields => AllFields;

    public override PropagationContext Extract<T>(PropagationContext context, T carrier, Func<T, string, IEnumerable<string>?>? getter)
    {
        if (context.ActivityContext.TraceId != default || getter is null)
        {
            return context;
        }

        try
        {
            var single = First(getter(carrier, Single));
            if (single is not null)
            {
                return TryParseSingle(single, out var fromSingle) ? new PropagationContext(fromSingle, context.Baggage) : context;
            }

            var traceId = First(getter(carrier, TraceIdHeader));
            var spanId = First(getter(carrier, SpanIdHeader));
            if (traceId is null || spanId is null)
            {
                return context;
            }

            var sampled = First(getter(carrier, SampledHeader));
            var debug = First(getter(carrier, FlagsHeader)) == "1";
            var recorded = debug || sampled is "1" or "true";
            return TryBuild(traceId, spanId, recorded, out var fromMulti) ? new PropagationContext(fromMulti, context.Baggage) : context;
        }
        catch (Exception)
        {
            return context;
        }
    }

    public override void Inject<T>(PropagationContext context, T carrier, Action<T, string, string>? setter)
    {
        if (context.ActivityContext.TraceId == default || setter is null)
        {
            return;
        }

        var traceId = context.ActivityContext.TraceId.ToHexString();
        var spanId = context.ActivityContext.SpanId.ToHexString();
        var sampled = (context.ActivityContext.TraceFlags & ActivityTraceFlags.Recorded) != 0;
        if (singleHeader)
        {
            setter(carrier, Single, string.Concat(traceId, "-", spanId, sampled ? "-1" : "-0"));
        }
        else
        {
            setter(carrier, TraceIdHeader, traceId);
            setter(carrier, SpanIdHeader, spanId);
            setter(carrier, SampledHeader, sampled ? "1" : "0");
        }
    }

    /// <summary>"{traceId}-{spanId}[-{sampled}[-{parentSpanId}]]"; only the ids are parsed.</summary>
    internal static bool TryParseSingle(string value, out ActivityContext context)
    {
        context = default;
        var rest = value.AsSpan().Trim();
        var first = rest.IndexOf('-');
        if (first < 0)
        {
            // "0" alone (deny) or "1"/"d" without ids carries no context to continue.
            return false;
        }

        var traceId = rest[..first];
        rest = rest[(first + 1)..];
        var second = rest.IndexOf('-');
        var spanId = second < 0 ? rest : rest[..second];
        var sampled = second < 0 ? default : rest[(second + 1)..];
        var third = sampled.IndexOf('-');
        if (third >= 0)
        {
            sampled = sampled[..third];
        }

        var recorded = sampled is "1" or "d";
        return TryBuild(traceId, spanId, recorded, out context);
    }

    // The ids are normalised (trimmed, lower case, a 64-bit trace id left-padded) in stack
    // buffers: the ActivityTraceId and ActivitySpanId made from them are the only allocations.
    private static bool TryBuild(ReadOnlySpan<char> traceId, ReadOnlySpan<char> spanId, bool recorded, out ActivityContext context)
    {
        context = default;
        traceId = traceId.Trim();
        spanId = spanId.Trim();
        if ((traceId.Length != 16 && traceId.Length != 32) || spanId.Length != 16)
        {
            return false;
        }

        Span<char> trace = stackalloc char[32];
        Span<char> span = stackalloc char[16];
        trace[..(32 - traceId.Length)].Fill('0');
        traceId.ToLowerInvariant(trace[(32 - traceId.Length)..]);
        spanId.ToLowerInvariant(span);
        if (!IsHex(trace) || !IsHex(span) || !trace.ContainsAnyExcept('0') || !span.ContainsAnyExcept('0'))
        {
            return false;
        }

        context = new ActivityContext(
            ActivityTraceId.CreateFromString(trace),
            ActivitySpanId.CreateFromString(span),
            recorded ? ActivityTraceFlags.Recorded : ActivityTraceFlags.None,
            traceState: null,
            isRemote: true);
        return true;
    }

    private static bool IsHex(ReadOnlySpan<char> s)
    {
        foreach (var c in s)
        {
            if (c is not ((>= '0' and <= '9') or (>= 'a' and <= 'f')))
            {
                return false;
            }
        }

        return true;
    }

    private static string? First(IEnumerable<string>? values)
    {
        if (values is null)
        {
            return null;
        }

        foreach (var v in values)
        {
            return v;
        }

        return null;
    }
}
