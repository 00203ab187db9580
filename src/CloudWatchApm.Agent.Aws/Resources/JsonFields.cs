// Lenient reads from metadata JSON: a field of an unexpected type counts as missing instead of
// throwing, because AWS adds and reshapes fields over time and detection must not break.
using System.Text.Json;

namespace CloudWatchApm.Agent.Aws.Resources;

internal static class JsonFields
{
    /// <summary>Parses a JSON object; null when the text is not one.</summary>
    internal static JsonDocument? ParseObject(string text, out string error)
    {
        error = string.Empty;
        try
        {
            var document = JsonDocument.Parse(text);
            if (document.RootElement.ValueKind == JsonValueKind.Object)
            {
                return document;
            }

            document.Dispose();
            error = "expected a JSON object";
            return null;
        }
        catch (JsonException ex)
        {
            error = "invalid JSON: " + ex.Message;
            return null;
        }
    }

    /// <summary>A string or number field as text (Beanstalk writes deployment_id as a number).</summary>
    internal static string? GetText(JsonElement element, string name)
    {
        if (element.ValueKind != JsonValueKind.Object || !element.TryGetProperty(name, out var value))
        {
            return null;
        }

        return value.ValueKind switch
        {
            JsonValueKind.String => value.GetString(),
            JsonValueKind.Number => value.GetRawText(),
            _ => null,
        };
    }

    internal static JsonElement? GetObject(JsonElement element, string name)
        => element.ValueKind == JsonValueKind.Object
            && element.TryGetProperty(name, out var value)
            && value.ValueKind == JsonValueKind.Object
                ? value
                : null;
}
