// Values a user (or a broken deployment template) could put in any variable: near misses of
// valid values, wrong types, extreme numbers, broken URLs and encodings, odd whitespace and
// very long text. Shared by the unit-level fuzz over AgentSettings and the process-level fuzz.
using System.Text;

namespace CloudWatchApm.Agent.Testing;

internal static class ConfigurationGarbage
{
    private static readonly string[] Samples =
    [
        string.Empty, " ", "\t", " \n ", "true", "TRUE", "false", "yes", "1", "0", "-1", "-0", "+5", "01", "1.5", "1e3", "1e309",
        "NaN", "Infinity", "-Infinity", "2147483647", "2147483648", "-2147483648", "99999999999999999999", "0x10", "1_000", "١٢٣",
        "5000ms", "5s", "none", "None", "otlp", "otlp,,console", ",", ",,,", "otlp,bogus", "none,otlp", "console,console",
        "grpc", "http/json", "http/protobuf ", "HTTP/PROTOBUF", "gzip", "GZIP", "deflate", "always_on", "parentbased_traceidratio",
        "xray", "b3,b3multi,xray,tracecontext,baggage,none", "jaeger", "ottrace",
        "http://", "https://", "http://[::1", "http://127.0.0.1:0", "http://127.0.0.1:65536", "http://127.0.0.1:1", "ftp://x",
        "localhost:4317", "//host", "http://user:pass@127.0.0.1:1/path?q=1#f", "https://127.0.0.1:1/v1/traces", "http://ünïcode.invalid",
        "http://127.0.0.1:1/%zz", "file:///etc/passwd",
        "=", "==", "a=", "=b", "a=b,c", "a=%", "a=%zz", "a=%C3", "a=%E2%82", "%00=%00", "k=%0d%0aInjected: 1", "service.name=x,service.name=",
        "a b=c d", "key=value,key2", "\u00e9=\u00e9", "x-header=\u0001", "Content-Length=5", "host=evil", ":authority=x", "te=trailers",
        "/nonexistent/file.pem", "/etc/hostname", "/proc/self/environ", "/", ".", "..", "/dev/null", "~/x.pem",
        "*", "**", "TestApp.*", "*.*.*", "[", "(", "\\", "$(whoami)", "`id`", "'", "\"", "%s%s%s%n", "{0}", "${HOME}",
        "\u202e", "\ufeff", "\u00a0", "😀", "null", "undefined", "[]", "{}", "<xml/>",
    ];

    /// <summary>One garbage value: a sample, a sample mangled, random characters or a very long string.</summary>
    internal static string Value(Random random)
    {
        switch (random.Next(8))
        {
            case 0:
                return RandomText(random, random.Next(1, 40));
            case 1:
                return new string((char)random.Next('!', '~'), random.Next(1000, 20000));
            case 2:
                var a = Samples[random.Next(Samples.Length)];
                var b = Samples[random.Next(Samples.Length)];
                return a + (random.Next(2) == 0 ? "," : string.Empty) + b;
            case 3:
                return random.Next(int.MinValue, int.MaxValue).ToString(System.Globalization.CultureInfo.InvariantCulture);
            default:
                var sample = Samples[random.Next(Samples.Length)];
                return random.Next(4) == 0 ? " " + sample.ToUpperInvariant() + " " : sample;
        }
    }

    private static string RandomText(Random random, int length)
    {
        var sb = new StringBuilder(length);
        for (var i = 0; i < length; i++)
        {
            // Printable ASCII most of the time, then control characters and non-ASCII letters.
            sb.Append(random.Next(10) switch
            {
                0 => (char)random.Next(1, 32),
                1 => (char)random.Next(0x80, 0x2FFF),
                _ => (char)random.Next(32, 127),
            });
        }

        return sb.ToString();
    }
}
