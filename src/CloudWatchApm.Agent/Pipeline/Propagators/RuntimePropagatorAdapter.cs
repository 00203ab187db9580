// On .NET 8+, HttpClient injects trace headers itself (DiagnosticsHandler) and ASP.NET Core
// extracts them itself, both through DistributedContextPropagator.Current, which only knows
// W3C. This adapter routes both through the configured OpenTelemetry propagators, so b3 or
// X-Ray headers go out on HttpClient calls and are honoured on incoming requests.
//
// It runs on every request and every outgoing call, so the common cases allocate nothing:
// W3C trace context is written from the activity's own id (already the traceparent string)
// and read back as the raw header (the runtime parses it), baggage is looked at only by the
// baggage propagator and only when a baggage header came in. Other propagators (b3, X-Ray)
// go through OpenTelemetry with a struct carrier and static callbacks (no closures).
using System.Diagnostics;
using OpenTelemetry;
using OpenTelemetry.Context.Propagation;

namespace CloudWatchApm.Agent.Pipeline.Propagators;

internal sealed class RuntimePropagatorAdapter : DistributedContextPropagator
{
    private const string TraceParentHeader = "traceparent";
    private const string TraceStateHeader = "tracestate";
    private const string BaggageHeader = "baggage";

    private static readonly Action<InjectCarrier, string, string> InjectSetter = static (c, key, value) => c.Setter(c.Carrier, key, value);
    private static readonly Func<ExtractCarrier, string, IEnumerable<string>?> ExtractGetter = static (c, key) => Get(c.Getter, c.Carrier, key);

    private readonly bool _traceContext;
    private readonly bool _othersFirst;
    private readonly TextMapPropagator? _others;
    private readonly BaggagePropagator? _baggage;

    /// <summary>Wraps one propagator (tests, single-name configurations).</summary>
    public RuntimePropagatorAdapter(TextMapPropagator propagator)
        : this([propagator])
    {
    }

    /// <summary>Wraps the configured propagators, in OTEL_PROPAGATORS order.</summary>
    public RuntimePropagatorAdapter(IReadOnlyList<TextMapPropagator> propagators)
    {
        var fields = new List<string>();
        var others = new List<TextMapPropagator>();
        foreach (var propagator in propagators)
        {
            if (propagator.Fields is { } named)
            {
                fields.AddRange(named);
            }

            switch (propagator)
            {
                case TraceContextPropagator:
                    _traceContext = true;
                    break;
                case CompositeTextMapPropagator:
                    throw new ArgumentException("pass the composite's members, not the composite", nameof(propagators));
                case BaggagePropagator baggage:
                    _baggage ??= baggage;
                    break;
                default:
                    _othersFirst |= !_traceContext && others.Count == 0;
                    others.Add(propagator);
                    break;
            }
        }

        // As in a composite, the first propagator (in OTEL_PROPAGATORS order) that finds a
        // parent wins: W3C first unless another propagator was named before tracecontext.
        _others = others.Count switch
        {
            0 => null,
            1 => others[0],
            _ => new CompositeTextMapPropagator(others),
        };
        Fields = fields.Distinct(StringComparer.OrdinalIgnoreCase).ToArray();
    }

    public override IReadOnlyCollection<string> Fields { get; }

    public override void Inject(Activity? activity, object? carrier, PropagatorSetterCallback? setter)
    {
        if (activity is null || setter is null || activity.IdFormat != ActivityIdFormat.W3C)
        {
            return;
        }

        if (_traceContext && activity.Id is { } id)
        {
            // A W3C activity's id is its traceparent ("00-<trace id>-<span id>-<flags>").
            setter(carrier, TraceParentHeader, id);
            if (activity.TraceStateString is { Length: > 0 } state)
            {
                setter(carrier, TraceStateHeader, state);
            }
        }

        if (_others is not null)
        {
            _others.Inject(new PropagationContext(activity.Context, default), new InjectCarrier(carrier, setter), InjectSetter);
        }

        if (_baggage is not null && Baggage.Current is { Count: > 0 } baggage)
        {
            _baggage.Inject(new PropagationContext(default, baggage), new InjectCarrier(carrier, setter), InjectSetter);
        }
    }

    public override void ExtractTraceIdAndState(object? carrier, PropagatorGetterCallback? getter, out string? traceId, out string? traceState)
    {
        traceId = null;
        traceState = null;
        if (getter is null)
        {
            return;
        }

        if (_othersFirst && ExtractOthers(carrier, getter, out traceId, out traceState))
        {
            return;
        }

        if (_traceContext)
        {
            getter(carrier, TraceParentHeader, out var parent, out var parents);
            parent ??= Single(parents);
            if (parent is not null)
            {
                // The runtime parses (and validates) the W3C form itself.
                traceId = parent;
                getter(carrier, TraceStateHeader, out var state, out var states);
                traceState = state ?? (states is null ? null : string.Join(",", states));
                return;
            }
        }

        if (!_othersFirst)
        {
            ExtractOthers(carrier, getter, out traceId, out traceState);
        }
    }

    public override IEnumerable<KeyValuePair<string, string?>>? ExtractBaggage(object? carrier, PropagatorGetterCallback? getter)
    {
        if (getter is null || _baggage is null)
        {
            return null;
        }

        getter(carrier, BaggageHeader, out var value, out var values);
        if (value is null && values is null)
        {
            return null;
        }

        var baggage = _baggage.Extract(default, new ExtractCarrier(carrier, getter), ExtractGetter).Baggage;
        if (baggage.Count == 0)
        {
            return null;
        }

        var list = new List<KeyValuePair<string, string?>>(baggage.Count);
        foreach (var entry in baggage)
        {
            list.Add(new KeyValuePair<string, string?>(entry.Key, entry.Value));
        }

        return list;
    }

    private bool ExtractOthers(object? carrier, PropagatorGetterCallback getter, out string? traceId, out string? traceState)
    {
        traceId = null;
        traceState = null;
        if (_others is null)
        {
            return false;
        }

        var context = _others.Extract(default, new ExtractCarrier(carrier, getter), ExtractGetter).ActivityContext;
        if (context.TraceId == default)
        {
            return false;
        }

        traceId = TraceParent(context.TraceId, context.SpanId, context.TraceFlags);
        traceState = context.TraceState;
        return true;
    }

    /// <summary>"00-&lt;trace id&gt;-&lt;span id&gt;-&lt;flags&gt;" in one allocation.</summary>
    internal static string TraceParent(ActivityTraceId traceId, ActivitySpanId spanId, ActivityTraceFlags flags)
        => string.Create(55, (traceId, spanId, sampled: (flags & ActivityTraceFlags.Recorded) != 0), static (span, state) =>
        {
            span[0] = '0';
            span[1] = '0';
            span[2] = '-';
            Span<byte> bytes = stackalloc byte[16];
            state.traceId.CopyTo(bytes);
            Hex(bytes, span.Slice(3, 32));
            span[35] = '-';
            state.spanId.CopyTo(bytes[..8]);
            Hex(bytes[..8], span.Slice(36, 16));
            span[52] = '-';
            span[53] = '0';
            span[54] = state.sampled ? '1' : '0';
        });

    private static void Hex(ReadOnlySpan<byte> bytes, Span<char> chars)
    {
        const string Digits = "0123456789abcdef";
        for (var i = 0; i < bytes.Length; i++)
        {
            chars[2 * i] = Digits[bytes[i] >> 4];
            chars[(2 * i) + 1] = Digits[bytes[i] & 0xF];
        }
    }

    private static string? Single(IEnumerable<string>? values)
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

    private static IEnumerable<string> Get(PropagatorGetterCallback getter, object? carrier, string key)
    {
        getter(carrier, key, out var value, out var values);
        if (values is not null)
        {
            return values;
        }

        return value is null ? [] : [value];
    }

    private readonly record struct InjectCarrier(object? Carrier, PropagatorSetterCallback Setter);

    private readonly record struct ExtractCarrier(object? Carrier, PropagatorGetterCallback Getter);
}
