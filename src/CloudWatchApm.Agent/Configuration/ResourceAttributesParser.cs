// OTEL_RESOURCE_ATTRIBUTES exactly as the specification reads it: comma-separated key=value
// pairs, keys and values percent-decoded (a '+' stays a '+', unlike form decoding), and any
// error discards the whole variable rather than keeping a half-parsed set.
using System.Text;

namespace CloudWatchApm.Agent.Configuration;

internal static class ResourceAttributesParser
{
    /// <summary>Parses the value; on any error returns false, an empty list and the reason.</summary>
    internal static bool TryParse(string value, out List<KeyValuePair<string, string>> attributes, out string? error)
    {
        attributes = [];
        error = null;
        foreach (var rawPair in value.Split(','))
        {
            if (rawPair.Trim().Length == 0)
            {
                continue;
            }

            var eq = rawPair.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                error = "an entry has no 'key=value' form";
                attributes.Clear();
                return false;
            }

            if (!TryDecode(rawPair[..eq].Trim(), out var key) || !TryDecode(rawPair[(eq + 1)..].Trim(), out var decoded))
            {
                error = "an entry has an invalid percent-encoding";
                attributes.Clear();
                return false;
            }

            if (key.Length == 0)
            {
                error = "an entry has an empty key";
                attributes.Clear();
                return false;
            }

            // A later entry for the same key wins, as with the SDKs of other languages.
            attributes.RemoveAll(a => a.Key == key);
            attributes.Add(new KeyValuePair<string, string>(key, decoded));
        }

        return true;
    }

    /// <summary>Percent-decodes UTF-8; '+' is literal. Invalid escapes or invalid UTF-8 fail.</summary>
    internal static bool TryDecode(string input, out string output)
    {
        if (!input.Contains('%', StringComparison.Ordinal))
        {
            output = input;
            return true;
        }

        var bytes = new List<byte>(input.Length);
        for (var i = 0; i < input.Length; i++)
        {
            var c = input[i];
            if (c == '%')
            {
                if (i + 2 >= input.Length || !IsHex(input[i + 1]) || !IsHex(input[i + 2]))
                {
                    output = string.Empty;
                    return false;
                }

                bytes.Add((byte)((HexValue(input[i + 1]) << 4) | HexValue(input[i + 2])));
                i += 2;
            }
            else
            {
                bytes.AddRange(Encoding.UTF8.GetBytes(c.ToString()));
            }
        }

        try
        {
            output = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes.ToArray());
            return true;
        }
        catch (DecoderFallbackException)
        {
            output = string.Empty;
            return false;
        }
    }

    private static bool IsHex(char c) => c is (>= '0' and <= '9') or (>= 'a' and <= 'f') or (>= 'A' and <= 'F');

    private static int HexValue(char c) => c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
}
