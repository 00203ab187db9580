// Propagates the AWS X-Ray trace header:
//   X-Amzn-Trace-Id: Root=1-{8 hex epoch}-{24 hex};Parent={16 hex};Sampled={0|1|?};Lineage=...
//
// Why the shape differs from the W3C propagator:
// * OpenTelemetry .NET needs a parent span id to continue a trace. Load balancers and API
//   front ends start traces with "Root only" headers, so such a header gets a synthetic parent
//   span id derived from the trace id (its low 8 bytes). The trace id continues; exporters can
//   recognise the synthetic parent with IsSyntheticParent and drop it so the span is a root.
// * "Sampled=?" (or no Sampled key) means "the receiver decides". ParentBasedSampler would read
//   the unset Recorded flag as "the caller chose not to sample" and drop every such request, so
//   the extracted context carries an "undecided" marker in its trace state and
//   XRayParentBasedSampler hands those parents to the root sampler. The marker names the span
//   id it was made for: should it leak into a W3C tracestate header it cannot apply to the next
//   hop, whose parent is a different span.
// * Lineage and other keys we do not interpret travel in the trace state member "xray", not in
//   Baggage: Baggage is sent on the W3C baggage header to every downstream service and is
//   visible to application code, while trace state stays with the span context, is inherited
//   by child activities (so Inject finds it again) and is visible to the sampler.
//   Encoding: "xray=Lineage~a87bd80c:1|68fd508a:5;_d~{span id}" ('=' is not allowed in a
//   trace state value, so '~' separates key and value; ';' separates pairs).
using System.Collections.Specialized;
using System.Diagnostics;
using OpenTelemetry.Context.Propagation;

namespace CloudWatchApm.Agent.Aws.XRay;

internal sealed class XRayPropagator : TextMapPropagator
{
    internal const string HeaderName = "X-Amzn-Trace-Id";
    internal const string TraceStateKey = "xray";

    private const string TraceStatePrefix = TraceStateKey + "=";
    private const string UndecidedKey = "_d";

    // W3C trace state caps a member value at 256 characters.
    private const int TraceStateValueMaxLength = 256;

    // ";" + "_d" + "~" + 16 hex: kept free so the marker always fits next to the extras.
    private const int UndecidedMarkerLength = 1 + 2 + 1 + 16;

    // "Root=1-" + 8 + "-" + 24 + ";Parent=" + 16 + ";Sampled=" + 1
    private const int FixedHeaderLength = 7 + 8 + 1 + 24 + 8 + 16 + 9 + 1;

    private static readonly HashSet<string> FieldSet = new(StringComparer.OrdinalIgnoreCase) { HeaderName };

    private readonly Func<object, string, bool>? _carrierHasHeader;

    public XRayPropagator()
        : this(carrierHasHeader: null)
    {
    }

    /// <param name="carrierHasHeader">
    /// Tells whether a carrier already holds a header (case-insensitive name). TextMapPropagator's
    /// Inject only receives a setter, so without this hook the propagator can see just the
    /// carriers it knows (HttpRequestMessage, string dictionaries, NameValueCollection).
    /// </param>
    internal XRayPropagator(Func<object, string, bool>? carrierHasHeader)
    {
        _carrierHasHeader = carrierHasHeader;
    }

    private enum SampledState
    {
        Undecided,
        NotSampled,
        Sampled,
    }

    public override ISet<string> Fields => FieldSet;

    public override PropagationContext Extract<T>(PropagationContext context, T carrier, Func<T, string, IEnumerable<string>?> getter)
    {
        // Same rule as the W3C propagator: in a composite, the first propagator that found a
        // valid context wins, so OTEL_PROPAGATORS order decides between traceparent and X-Ray.
        if (IsValid(context.ActivityContext) || carrier is null || getter is null)
        {
            return context;
        }

        try
        {
            var header = FirstNonEmpty(getter(carrier, HeaderName));
            if (header is not null && TryParse(header.AsSpan(), out var extracted))
            {
                return new PropagationContext(extracted, context.Baggage);
            }
        }
        catch (Exception)
        {
            // A throwing getter belongs to the application; extraction simply finds nothing.
        }

        return context;
    }

    public override void Inject<T>(PropagationContext context, T carrier, Action<T, string, string> setter)
    {
        if (carrier is null || setter is null)
        {
            return;
        }

        try
        {
            if (!CarrierHasHeader(carrier))
            {
                InjectCore(context.ActivityContext, carrier, setter);
            }
        }
        catch (Exception)
        {
            // Never fail the outgoing call because of propagation.
        }
    }

    /// <summary>
    /// Inject that first asks <paramref name="getter"/> whether the carrier already has the
    /// header: the AWS SDK sets X-Amzn-Trace-Id itself (Lambda recursion detection) and the
    /// value it chose must win.
    /// </summary>
    internal void Inject<T>(PropagationContext context, T carrier, Action<T, string, string> setter, Func<T, string, IEnumerable<string>?> getter)
    {
        if (carrier is null || setter is null)
        {
            return;
        }

        try
        {
            if ((getter is not null && FirstNonEmpty(getter(carrier, HeaderName)) is not null) || CarrierHasHeader(carrier))
            {
                return;
            }

            InjectCore(context.ActivityContext, carrier, setter);
        }
        catch (Exception)
        {
            // Never fail the outgoing call because of propagation.
        }
    }

    /// <summary>Parses an X-Amzn-Trace-Id value. Allocates only for the ids' own strings and, when needed, the trace state.</summary>
    internal static bool TryParse(ReadOnlySpan<char> header, out ActivityContext result)
    {
        result = default;
        Span<char> traceHex = stackalloc char[32];
        Span<char> spanHex = stackalloc char[16];
        var hasRoot = false;
        var hasParent = false;
        var hasExtras = false;
        var sampled = SampledState.Undecided;

        var rest = header;
        while (NextPair(ref rest, out var key, out var value))
        {
            if (key.Equals("Root", StringComparison.OrdinalIgnoreCase))
            {
                if (!TryParseRoot(value, traceHex))
                {
                    return false;
                }

                hasRoot = true;
            }
            else if (key.Equals("Parent", StringComparison.OrdinalIgnoreCase))
            {
                if (!TryCopyLowerHex(value, spanHex))
                {
                    return false;
                }

                hasParent = true;
            }
            else if (key.Equals("Sampled", StringComparison.OrdinalIgnoreCase))
            {
                if (value.Length != 1)
                {
                    return false;
                }

                switch (value[0])
                {
                    case '1':
                        sampled = SampledState.Sampled;
                        break;
                    case '0':
                        sampled = SampledState.NotSampled;
                        break;
                    case '?':
                        sampled = SampledState.Undecided;
                        break;
                    default:
                        return false;
                }
            }
            else if (IsCarriable(key, value))
            {
                hasExtras = true;
            }
        }

        if (!hasRoot)
        {
            return false;
        }

        var traceId = ActivityTraceId.CreateFromString(traceHex);
        var spanId = hasParent
            ? ActivitySpanId.CreateFromString(spanHex)
            : ActivitySpanId.CreateFromString(SyntheticParentHex(traceHex));

        string? traceState = null;
        if (hasExtras || sampled == SampledState.Undecided)
        {
            traceState = BuildTraceState(header, sampled == SampledState.Undecided ? spanId.ToHexString() : null);
        }

        var flags = sampled == SampledState.Sampled ? ActivityTraceFlags.Recorded : ActivityTraceFlags.None;
        result = new ActivityContext(traceId, spanId, flags, traceState, isRemote: true);
        return true;
    }

    /// <summary>True when the parent span id is the synthetic one made for a header without Parent.</summary>
    internal static bool IsSyntheticParent(ActivityTraceId traceId, ActivitySpanId parentSpanId)
    {
        if (traceId == default || parentSpanId == default)
        {
            return false;
        }

        return parentSpanId.ToHexString().AsSpan().SequenceEqual(SyntheticParentHex(traceId.ToHexString().AsSpan()));
    }

    /// <summary>True when the context came from a header whose sampling decision was left to us.</summary>
    internal static bool IsUndecided(in ActivityContext context)
    {
        if (!context.IsRemote || !TryGetMember(context.TraceState, out var member))
        {
            return false;
        }

        while (NextTraceStatePair(ref member, out var key, out var value))
        {
            if (key.SequenceEqual(UndecidedKey))
            {
                return value.SequenceEqual(context.SpanId.ToHexString());
            }
        }

        return false;
    }

    /// <summary>
    /// The trace state without the undecided marker; what a sampled child should inherit. Members
    /// come back trimmed and comma-joined, and an X-Ray member left without pairs is dropped.
    /// Written into a stack buffer: the result string is the one allocation, and there is none
    /// when nothing is left or nothing had to go.
    /// </summary>
    internal static string RemoveUndecidedMarker(string? traceState)
    {
        if (string.IsNullOrEmpty(traceState))
        {
            return string.Empty;
        }

        // The result is never longer than the input (it only loses characters).
        var buffer = traceState.Length <= 512 ? stackalloc char[traceState.Length] : new char[traceState.Length];
        var length = 0;
        var rest = traceState.AsSpan();
        while (!rest.IsEmpty)
        {
            var comma = rest.IndexOf(',');
            var member = (comma < 0 ? rest : rest[..comma]).Trim();
            rest = comma < 0 ? default : rest[(comma + 1)..];
            if (member.IsEmpty)
            {
                continue;
            }

            var start = length;
            if (start > 0)
            {
                Append(buffer, ref length, ",");
            }

            if (!member.StartsWith(TraceStatePrefix, StringComparison.Ordinal))
            {
                Append(buffer, ref length, member);
                continue;
            }

            Append(buffer, ref length, TraceStatePrefix);
            var valueStart = length;
            var pairs = member[TraceStatePrefix.Length..];
            while (!pairs.IsEmpty)
            {
                var semicolon = pairs.IndexOf(';');
                var pair = semicolon < 0 ? pairs : pairs[..semicolon];
                pairs = semicolon < 0 ? default : pairs[(semicolon + 1)..];
                if (pair.IsEmpty || pair.StartsWith(UndecidedKey + "~", StringComparison.Ordinal))
                {
                    continue;
                }

                if (length > valueStart)
                {
                    Append(buffer, ref length, ";");
                }

                Append(buffer, ref length, pair);
            }

            if (length == valueStart)
            {
                // Nothing but the marker: the member goes, with its separator.
                length = start;
            }
        }

        return length == 0 ? string.Empty : buffer[..length].SequenceEqual(traceState) ? traceState : new string(buffer[..length]);
    }

    private static void InjectCore<T>(in ActivityContext context, T carrier, Action<T, string, string> setter)
    {
        if (!IsValid(context))
        {
            return;
        }

        Span<char> buffer = stackalloc char[FixedHeaderLength + 1 + TraceStateValueMaxLength];
        var traceHex = context.TraceId.ToHexString().AsSpan();
        var length = 0;
        Append(buffer, ref length, "Root=1-");
        Append(buffer, ref length, traceHex[..8]);
        Append(buffer, ref length, "-");
        Append(buffer, ref length, traceHex[8..]);
        Append(buffer, ref length, ";Parent=");
        Append(buffer, ref length, context.SpanId.ToHexString());
        Append(buffer, ref length, (context.TraceFlags & ActivityTraceFlags.Recorded) != 0 ? ";Sampled=1" : ";Sampled=0");

        if (TryGetMember(context.TraceState, out var member))
        {
            while (NextTraceStatePair(ref member, out var key, out var value))
            {
                // Trace state can arrive from a W3C tracestate header, i.e. from anyone: only pairs
                // that could have come from an X-Ray header are written, never Root/Parent/Sampled.
                if (!IsCarriable(key, value) || length + 2 + key.Length + value.Length > buffer.Length)
                {
                    continue;
                }

                Append(buffer, ref length, ";");
                Append(buffer, ref length, key);
                Append(buffer, ref length, "=");
                Append(buffer, ref length, value);
            }
        }

        setter(carrier, HeaderName, new string(buffer[..length]));
    }

    private bool CarrierHasHeader<T>(T carrier)
    {
        if (_carrierHasHeader is not null && _carrierHasHeader(carrier!, HeaderName))
        {
            return true;
        }

        return carrier switch
        {
            HttpRequestMessage request => request.Headers.Contains(HeaderName),
            IDictionary<string, string> dictionary => ContainsKeyIgnoreCase(dictionary),
            NameValueCollection collection => collection[HeaderName] is not null,
            _ => false,
        };
    }

    private static bool ContainsKeyIgnoreCase(IDictionary<string, string> dictionary)
    {
        if (dictionary.ContainsKey(HeaderName))
        {
            return true;
        }

        if (dictionary is Dictionary<string, string> concrete && ReferenceEquals(concrete.Comparer, StringComparer.OrdinalIgnoreCase))
        {
            return false;
        }

        foreach (var key in dictionary.Keys)
        {
            if (string.Equals(key, HeaderName, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    private static string? FirstNonEmpty(IEnumerable<string>? values)
    {
        // Arrays and lists are what the common getters return; index them to avoid an enumerator.
        switch (values)
        {
            case null:
                return null;
            case string[] array:
                foreach (var value in array)
                {
                    if (!string.IsNullOrWhiteSpace(value))
                    {
                        return value;
                    }
                }

                return null;
            case IList<string> list:
                for (var i = 0; i < list.Count; i++)
                {
                    if (!string.IsNullOrWhiteSpace(list[i]))
                    {
                        return list[i];
                    }
                }

                return null;
            default:
                foreach (var value in values)
                {
                    if (!string.IsNullOrWhiteSpace(value))
                    {
                        return value;
                    }
                }

                return null;
        }
    }

    // Splits "k=v; k2 = v2;;" into trimmed pairs; fragments without '=' carry nothing and are skipped.
    private static bool NextPair(ref ReadOnlySpan<char> rest, out ReadOnlySpan<char> key, out ReadOnlySpan<char> value)
    {
        while (!rest.IsEmpty)
        {
            var separator = rest.IndexOf(';');
            var part = separator < 0 ? rest : rest[..separator];
            rest = separator < 0 ? default : rest[(separator + 1)..];

            var equals = part.IndexOf('=');
            if (equals < 0)
            {
                continue;
            }

            key = part[..equals].Trim();
            value = part[(equals + 1)..].Trim();
            if (!key.IsEmpty)
            {
                return true;
            }
        }

        key = default;
        value = default;
        return false;
    }

    private static bool NextTraceStatePair(ref ReadOnlySpan<char> rest, out ReadOnlySpan<char> key, out ReadOnlySpan<char> value)
    {
        while (!rest.IsEmpty)
        {
            var separator = rest.IndexOf(';');
            var part = separator < 0 ? rest : rest[..separator];
            rest = separator < 0 ? default : rest[(separator + 1)..];

            var tilde = part.IndexOf('~');
            if (tilde > 0)
            {
                key = part[..tilde];
                value = part[(tilde + 1)..];
                return true;
            }
        }

        key = default;
        value = default;
        return false;
    }

    private static bool TryGetMember(string? traceState, out ReadOnlySpan<char> value)
    {
        var rest = traceState.AsSpan();
        while (!rest.IsEmpty)
        {
            var comma = rest.IndexOf(',');
            var member = (comma < 0 ? rest : rest[..comma]).Trim();
            rest = comma < 0 ? default : rest[(comma + 1)..];
            if (member.StartsWith(TraceStatePrefix, StringComparison.Ordinal))
            {
                value = member[TraceStatePrefix.Length..];
                return true;
            }
        }

        value = default;
        return false;
    }

    private static string? BuildTraceState(ReadOnlySpan<char> header, string? undecidedSpanHex)
    {
        Span<char> buffer = stackalloc char[TraceStatePrefix.Length + TraceStateValueMaxLength];
        var length = 0;
        Append(buffer, ref length, TraceStatePrefix);
        var valueStart = length;
        var extrasLimit = buffer.Length - (undecidedSpanHex is null ? 0 : UndecidedMarkerLength);

        var rest = header;
        while (NextPair(ref rest, out var key, out var value))
        {
            if (IsKnownKey(key) || !IsCarriable(key, value))
            {
                continue;
            }

            var needed = (length > valueStart ? 1 : 0) + key.Length + 1 + value.Length;
            if (length + needed > extrasLimit)
            {
                // Too long for trace state: dropped rather than truncated into something wrong.
                continue;
            }

            if (length > valueStart)
            {
                Append(buffer, ref length, ";");
            }

            Append(buffer, ref length, key);
            Append(buffer, ref length, "~");
            Append(buffer, ref length, value);
        }

        if (undecidedSpanHex is not null)
        {
            if (length > valueStart)
            {
                Append(buffer, ref length, ";");
            }

            Append(buffer, ref length, UndecidedKey);
            Append(buffer, ref length, "~");
            Append(buffer, ref length, undecidedSpanHex);
        }

        return length > valueStart ? new string(buffer[..length]) : null;
    }

    private static bool IsKnownKey(ReadOnlySpan<char> key)
        => key.Equals("Root", StringComparison.OrdinalIgnoreCase)
            || key.Equals("Parent", StringComparison.OrdinalIgnoreCase)
            || key.Equals("Sampled", StringComparison.OrdinalIgnoreCase)
            || key.Equals("Self", StringComparison.OrdinalIgnoreCase);

    // Keys and values we can carry in a trace state value and write back verbatim. "Self" is
    // dropped on purpose: a load balancer adds it for its own hop, and it means nothing to the next.
    private static bool IsCarriable(ReadOnlySpan<char> key, ReadOnlySpan<char> value)
    {
        if (key.IsEmpty || value.IsEmpty || IsKnownKey(key) || key.Equals(UndecidedKey, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        foreach (var c in key)
        {
            if (c <= ' ' || c > '~' || c == ',' || c == '=' || c == '~')
            {
                return false;
            }
        }

        foreach (var c in value)
        {
            if (c < ' ' || c > '~' || c == ',' || c == '=')
            {
                return false;
            }
        }

        return true;
    }

    private static bool TryParseRoot(ReadOnlySpan<char> value, Span<char> traceHex)
    {
        // "1-" + 8 hex epoch seconds + "-" + 24 hex random.
        if (value.Length != 35 || value[0] != '1' || value[1] != '-' || value[10] != '-')
        {
            return false;
        }

        return TryCopyLowerHex(value[2..10], traceHex[..8], requireNonZero: false)
            && TryCopyLowerHex(value[11..], traceHex[8..], requireNonZero: false)
            && traceHex.IndexOfAnyExcept('0') >= 0;
    }

    private static bool TryCopyLowerHex(ReadOnlySpan<char> source, Span<char> destination, bool requireNonZero = true)
    {
        if (source.Length != destination.Length)
        {
            return false;
        }

        var nonZero = false;
        for (var i = 0; i < source.Length; i++)
        {
            var c = source[i];
            if (c is >= 'A' and <= 'F')
            {
                c = (char)(c + ('a' - 'A'));
            }
            else if (c is not ((>= '0' and <= '9') or (>= 'a' and <= 'f')))
            {
                return false;
            }

            nonZero |= c != '0';
            destination[i] = c;
        }

        return nonZero || !requireNonZero;
    }

    // The low 8 bytes of the trace id: random, so as unique as a real span id, and the same on
    // every retry of the request. An all-zero tail cannot be a span id, so it maps to a constant.
    private static ReadOnlySpan<char> SyntheticParentHex(ReadOnlySpan<char> traceHex)
    {
        var tail = traceHex[16..];
        return tail.IndexOfAnyExcept('0') >= 0 ? tail : "0000000000000001";
    }

    private static bool IsValid(in ActivityContext context)
        => context.TraceId != default && context.SpanId != default;

    private static void Append(Span<char> buffer, ref int length, ReadOnlySpan<char> text)
    {
        text.CopyTo(buffer[length..]);
        length += text.Length;
    }
}
