// One-line descriptions of received telemetry for assertion messages: when an expectation
// fails, the message must show what did arrive so the reader needs no debugger.
using System.Globalization;
using System.Text;

namespace CloudWatchApm.Agent.IntegrationTests.Collector;

internal static class TelemetrySummary
{
    private const int MaxLines = 60;
    private const int MaxValueLength = 120;

    public static string Describe(ReceivedSpan s) =>
        Invariant($"\"{s.Name}\" kind={s.Kind} scope={Or(s.ScopeName)} trace={Or(s.TraceId)} span={Or(s.SpanId)} parent={Or(s.ParentSpanId)} status={s.StatusCode}{(s.StatusMessage.Length > 0 ? "(" + s.StatusMessage + ")" : string.Empty)} via {s.Transport} attrs={Format(s.Attributes)}");

    public static string Describe(ReceivedMetric m) =>
        Invariant($"\"{m.Name}\" {m.Type} unit={Or(m.Unit)} temporality={m.Temporality}{(m.IsMonotonic ? " monotonic" : string.Empty)} scope={Or(m.ScopeName)} points={m.Points.Count} first={(m.Points.Count > 0 ? Describe(m.Points[0]) : "-")} via {m.Transport}");

    public static string Describe(ReceivedMetricPoint p) =>
        Invariant($"{{value={p.Value?.ToString(CultureInfo.InvariantCulture) ?? "-"} count={p.Count?.ToString(CultureInfo.InvariantCulture) ?? "-"} sum={p.Sum?.ToString(CultureInfo.InvariantCulture) ?? "-"} attrs={Format(p.Attributes)}}}");

    public static string Describe(ReceivedLog l) =>
        Invariant($"severity={Or(l.SeverityText)}/{l.SeverityNumber} body={Truncate(FormatValue(l.Body))} event={Or(l.EventName)} scope={Or(l.ScopeName)} trace={Or(l.TraceId)} span={Or(l.SpanId)} via {l.Transport} attrs={Format(l.Attributes)}");

    public static string Describe(ReceivedRequest r) =>
        Invariant($"{r.Transport} {r.Signal} {r.Protocol} {r.Path} items={r.ItemCount}{(r.IsGzip ? " gzip" : string.Empty)}{(r.IsTls ? " tls" : string.Empty)}{(r.ClientCertificatePresented ? (r.ClientCertificateMatched ? " client-cert(ok)" : " client-cert(unknown)") : string.Empty)} -> {(r.Transport == OtlpTransport.Grpc ? r.GrpcStatusCode?.ToString() : r.HttpStatusCode?.ToString(CultureInfo.InvariantCulture))}{(r.Error is null ? string.Empty : " " + r.Error)}");

    public static string List<T>(string title, IReadOnlyList<T> items, Func<T, string> describe)
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"{title} ({items.Count}):");
        if (items.Count == 0)
        {
            text.Append(" none");
        }

        for (var i = 0; i < items.Count && i < MaxLines; i++)
        {
            text.AppendLine().Append("  - ").Append(describe(items[i]));
        }

        if (items.Count > MaxLines)
        {
            text.AppendLine().Append(CultureInfo.InvariantCulture, $"  ... and {items.Count - MaxLines} more");
        }

        return text.ToString();
    }

    public static string FormatValue(object? value) => value switch
    {
        null => "null",
        string s => s,
        bool b => b ? "true" : "false",
        byte[] bytes => "0x" + Convert.ToHexStringLower(bytes),
        IReadOnlyDictionary<string, object?> map => Format(map),
        IReadOnlyList<object?> list => "[" + string.Join(", ", list.Select(FormatValue)) + "]",
        IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? string.Empty,
    };

    private static string Format(IReadOnlyDictionary<string, object?> attributes) =>
        "{" + string.Join(", ", attributes.Select(a => a.Key + "=" + Truncate(FormatValue(a.Value)))) + "}";

    private static string Truncate(string value) => value.Length <= MaxValueLength ? value : value[..MaxValueLength] + "…";

    private static string Or(string value) => value.Length == 0 ? "-" : value;

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
