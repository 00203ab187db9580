using System.Text;
using Xunit;

namespace CloudWatchApm.Cli.Tests;

public sealed class OtlpTestSpanTests
{
    [Fact]
    public void Build_DecodesAsExportTraceServiceRequestWithOneSpan()
    {
        var start = DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_000);
        var bytes = OtlpTestSpan.Build("orders", start, TimeSpan.FromMilliseconds(2), out var traceId);

        var request = Decode(bytes);
        var resourceSpans = Decode(Single(request, 1));
        var resource = Decode(Single(resourceSpans, 1));
        var serviceName = Decode(resource[1][0]);
        Assert.Equal("service.name", Encoding.UTF8.GetString(Single(serviceName, 1)));
        Assert.Equal("orders", Encoding.UTF8.GetString(Single(Decode(Single(serviceName, 2)), 1)));

        var scopeSpans = Decode(Single(resourceSpans, 2));
        Assert.Equal(OtlpTestSpan.ScopeName, Encoding.UTF8.GetString(Single(Decode(Single(scopeSpans, 1)), 1)));
        var span = Decode(Single(scopeSpans, 2));
        Assert.Equal(traceId, Convert.ToHexString(Single(span, 1)).ToLowerInvariant());
        Assert.Equal(8, Single(span, 2).Length);
        Assert.Equal(OtlpTestSpan.SpanName, Encoding.UTF8.GetString(Single(span, 5)));
        Assert.Equal(1, Single(span, 6)[0]);
        Assert.Equal(1_700_000_000_000_000_000UL, BitConverter.ToUInt64(Single(span, 7)));
        Assert.Equal(1_700_000_000_002_000_000UL, BitConverter.ToUInt64(Single(span, 8)));
    }

    [Fact]
    public void ProtoWriter_Varint_UsesSevenBitGroups()
    {
        Assert.Equal(new byte[] { 0x08, 0xAC, 0x02 }, new ProtoWriter().Varint(1, 300).ToArray());
        Assert.Equal(new byte[] { 0x12, 0x02, 0x68, 0x69 }, new ProtoWriter().String(2, "hi").ToArray());
    }

    private static byte[] Single(Dictionary<int, List<byte[]>> message, int field) => Assert.Single(message[field]);

    /// <summary>Field number to raw values (varints and fixed64 as their bytes) for one message level.</summary>
    private static Dictionary<int, List<byte[]>> Decode(byte[] data)
    {
        var fields = new Dictionary<int, List<byte[]>>();
        var i = 0;
        while (i < data.Length)
        {
            var tag = (int)ReadVarint(data, ref i);
            byte[] value;
            switch (tag & 7)
            {
                case 0:
                    var start = i;
                    ReadVarint(data, ref i);
                    value = data[start..i];
                    break;
                case 1:
                    value = data[i..(i + 8)];
                    i += 8;
                    break;
                case 2:
                    var length = (int)ReadVarint(data, ref i);
                    value = data[i..(i + length)];
                    i += length;
                    break;
                default:
                    throw new InvalidDataException("unexpected wire type " + (tag & 7));
            }

            if (!fields.TryGetValue(tag >> 3, out var list))
            {
                fields[tag >> 3] = list = [];
            }

            list.Add(value);
        }

        return fields;
    }

    private static ulong ReadVarint(byte[] data, ref int i)
    {
        ulong result = 0;
        for (var shift = 0; ; shift += 7)
        {
            var b = data[i++];
            result |= (ulong)(b & 0x7f) << shift;
            if (b < 0x80)
            {
                return result;
            }
        }
    }
}
