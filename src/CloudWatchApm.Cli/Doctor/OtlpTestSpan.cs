// A hand-encoded OTLP ExportTraceServiceRequest with one span, so `cwapm doctor` can make a
// real export without a protobuf library. Field numbers are those of
// opentelemetry/proto/{collector/trace/v1,trace/v1,resource/v1,common/v1}.
using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace CloudWatchApm.Cli.Doctor;

/// <summary>The smallest protobuf writer that OTLP needs: varints, fixed64, length-delimited.</summary>
internal sealed class ProtoWriter
{
    private const int WireVarint = 0;
    private const int WireFixed64 = 1;
    private const int WireLengthDelimited = 2;

    private readonly MemoryStream _buffer = new();

    internal ProtoWriter String(int field, string value) => Bytes(field, Encoding.UTF8.GetBytes(value));

    internal ProtoWriter Bytes(int field, ReadOnlySpan<byte> value)
    {
        Tag(field, WireLengthDelimited);
        WriteVarint((ulong)value.Length);
        _buffer.Write(value);
        return this;
    }

    internal ProtoWriter Varint(int field, ulong value)
    {
        Tag(field, WireVarint);
        WriteVarint(value);
        return this;
    }

    internal ProtoWriter Fixed64(int field, ulong value)
    {
        Tag(field, WireFixed64);
        Span<byte> bytes = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, value);
        _buffer.Write(bytes);
        return this;
    }

    internal ProtoWriter Message(int field, ProtoWriter message) => Bytes(field, message.ToArray());

    internal byte[] ToArray() => _buffer.ToArray();

    private void Tag(int field, int wireType) => WriteVarint(((ulong)field << 3) | (uint)wireType);

    private void WriteVarint(ulong value)
    {
        while (value >= 0x80)
        {
            _buffer.WriteByte((byte)(value | 0x80));
            value >>= 7;
        }

        _buffer.WriteByte((byte)value);
    }
}

internal static class OtlpTestSpan
{
    internal const string SpanName = "cwapm doctor test span";
    internal const string ScopeName = "cwapm.doctor";
    internal const string GrpcPath = "/opentelemetry.proto.collector.trace.v1.TraceService/Export";
    internal const string HttpPath = "/v1/traces";
    private const int SpanKindInternal = 1;

    /// <summary>ExportTraceServiceRequest { resource_spans { resource, scope_spans { scope, spans } } }.</summary>
    internal static byte[] Build(string serviceName, DateTimeOffset start, TimeSpan duration, out string traceIdHex)
    {
        var traceId = RandomNumberGenerator.GetBytes(16);
        var spanId = RandomNumberGenerator.GetBytes(8);
        traceIdHex = Convert.ToHexString(traceId).ToLowerInvariant();
        var startNanos = (ulong)(start.ToUnixTimeMilliseconds() * 1_000_000L);
        var endNanos = startNanos + (ulong)(duration.Ticks * 100);

        var resource = new ProtoWriter()
            .Message(1, Attribute("service.name", serviceName))
            .Message(1, Attribute("telemetry.sdk.name", "cwapm-doctor"));
        var scope = new ProtoWriter().String(1, ScopeName).String(2, CliApp.CliVersion());
        var span = new ProtoWriter()
            .Bytes(1, traceId)
            .Bytes(2, spanId)
            .String(5, SpanName)
            .Varint(6, SpanKindInternal)
            .Fixed64(7, startNanos)
            .Fixed64(8, endNanos)
            .Message(9, Attribute("cwapm.doctor", "true"));
        var scopeSpans = new ProtoWriter().Message(1, scope).Message(2, span);
        var resourceSpans = new ProtoWriter().Message(1, resource).Message(2, scopeSpans);
        return new ProtoWriter().Message(1, resourceSpans).ToArray();
    }

    /// <summary>gRPC message framing: 1 byte compressed flag, 4 bytes big-endian length, message.</summary>
    internal static byte[] GrpcFrame(byte[] message)
    {
        var frame = new byte[message.Length + 5];
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(1, 4), (uint)message.Length);
        message.CopyTo(frame, 5);
        return frame;
    }

    /// <summary>KeyValue { key = 1; AnyValue value = 2 { string_value = 1 } }.</summary>
    private static ProtoWriter Attribute(string key, string value)
        => new ProtoWriter().String(1, key).Message(2, new ProtoWriter().String(1, value));
}
