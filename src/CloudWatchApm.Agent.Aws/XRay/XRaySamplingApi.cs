// The JSON of the X-Ray sampling API, as the X-Ray daemon and the collector's awsproxy serve
// it at POST {endpoint}/GetSamplingRules and POST {endpoint}/SamplingTargets:
//   GetSamplingRules  request  {"NextToken": "..."}  (omitted on the first page)
//                     response {"SamplingRuleRecords":[{"SamplingRule":{RuleName, Priority,
//                              FixedRate, ReservoirSize, ServiceName, ServiceType, Host,
//                              HTTPMethod, URLPath, ResourceARN, Attributes, Version, ...},
//                              "CreatedAt":n, "ModifiedAt":n}], "NextToken": "..."}
//   SamplingTargets   request  {"SamplingStatisticsDocuments":[{RuleName, ClientID, Timestamp,
//                              RequestCount, SampledCount, BorrowCount}]}
//                     response {"SamplingTargetDocuments":[{RuleName, FixedRate, ReservoirQuota,
//                              ReservoirQuotaTTL, Interval}], "LastRuleModification":n,
//                              "UnprocessedStatistics":[{RuleName, ErrorCode, Message}]}
// Timestamps are Unix seconds as JSON numbers; strings (numeric or ISO-8601) are accepted too.
// A malformed rule is skipped with a warning; the others still apply.
using System.Buffers;
using System.Globalization;
using System.Text.Json;

namespace CloudWatchApm.Agent.Aws.XRay;

internal static class XRaySamplingApi
{
    internal const string RulesPath = "GetSamplingRules";
    internal const string TargetsPath = "SamplingTargets";

    internal static byte[] WriteRulesRequest(string? nextToken)
    {
        var buffer = new ArrayBufferWriter<byte>(64);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            if (nextToken is not null)
            {
                writer.WriteString("NextToken", nextToken);
            }

            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Adds the usable rules of one page to <paramref name="rules"/> and returns the next page's token.</summary>
    internal static string? ParseRules(ReadOnlyMemory<byte> json, List<XRaySamplingRule> rules, ICollection<string> warnings)
    {
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new JsonException("GetSamplingRules response is not a JSON object.");
        }

        if (root.TryGetProperty("SamplingRuleRecords", out var records) && records.ValueKind == JsonValueKind.Array)
        {
            foreach (var record in records.EnumerateArray())
            {
                if (record.ValueKind == JsonValueKind.Object
                    && record.TryGetProperty("SamplingRule", out var rule)
                    && rule.ValueKind == JsonValueKind.Object)
                {
                    var parsed = ParseRule(rule, warnings);
                    if (parsed is not null)
                    {
                        rules.Add(parsed);
                    }
                }
            }
        }

        return root.TryGetProperty("NextToken", out var token) && token.ValueKind == JsonValueKind.String && token.GetString() is { Length: > 0 } next
            ? next
            : null;
    }

    internal static byte[] WriteTargetsRequest(string clientId, DateTimeOffset now, IReadOnlyList<XRaySamplingStatistics> statistics)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteStartArray("SamplingStatisticsDocuments");
            foreach (var item in statistics)
            {
                writer.WriteStartObject();
                writer.WriteString("RuleName", item.RuleName);
                writer.WriteString("ClientID", clientId);
                writer.WriteNumber("Timestamp", now.ToUnixTimeSeconds());
                writer.WriteNumber("RequestCount", item.RequestCount);
                writer.WriteNumber("SampledCount", item.SampledCount);
                writer.WriteNumber("BorrowCount", item.BorrowCount);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    internal static XRayTargetsResponse ParseTargets(ReadOnlyMemory<byte> json)
    {
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new JsonException("SamplingTargets response is not a JSON object.");
        }

        var targets = new List<XRaySamplingTarget>();
        if (root.TryGetProperty("SamplingTargetDocuments", out var documents) && documents.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in documents.EnumerateArray())
            {
                if (item.ValueKind == JsonValueKind.Object && GetString(item, "RuleName") is { Length: > 0 } ruleName)
                {
                    targets.Add(new XRaySamplingTarget(
                        ruleName,
                        GetDouble(item, "FixedRate"),
                        GetInt(item, "ReservoirQuota"),
                        GetTimestamp(item, "ReservoirQuotaTTL"),
                        GetInt(item, "Interval")));
                }
            }
        }

        var unprocessed = new List<XRayUnprocessedStatistics>();
        if (root.TryGetProperty("UnprocessedStatistics", out var failures) && failures.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in failures.EnumerateArray())
            {
                if (item.ValueKind == JsonValueKind.Object)
                {
                    unprocessed.Add(new XRayUnprocessedStatistics(GetString(item, "RuleName"), GetString(item, "ErrorCode"), GetString(item, "Message")));
                }
            }
        }

        return new XRayTargetsResponse(targets, GetTimestamp(root, "LastRuleModification"), unprocessed);
    }

    private static XRaySamplingRule? ParseRule(JsonElement rule, ICollection<string> warnings)
    {
        var name = GetString(rule, "RuleName");
        if (string.IsNullOrEmpty(name))
        {
            warnings.Add("X-Ray sampling rule without RuleName skipped.");
            return null;
        }

        var version = GetInt(rule, "Version") ?? 1;
        if (version != 1)
        {
            warnings.Add($"X-Ray sampling rule '{name}' skipped: version {version} is not supported (only 1).");
            return null;
        }

        var priority = GetInt(rule, "Priority");
        var fixedRate = GetDouble(rule, "FixedRate");
        var reservoirSize = GetInt(rule, "ReservoirSize");
        if (priority is null || fixedRate is not (>= 0 and <= 1) || reservoirSize is not >= 0)
        {
            warnings.Add($"X-Ray sampling rule '{name}' skipped: Priority, FixedRate (0 to 1) and ReservoirSize (0 or more) are required.");
            return null;
        }

        List<KeyValuePair<string, string>>? attributes = null;
        if (rule.TryGetProperty("Attributes", out var attributesElement) && attributesElement.ValueKind == JsonValueKind.Object)
        {
            foreach (var attribute in attributesElement.EnumerateObject())
            {
                if (attribute.Value.ValueKind == JsonValueKind.String)
                {
                    (attributes ??= []).Add(new KeyValuePair<string, string>(attribute.Name, attribute.Value.GetString() ?? string.Empty));
                }
            }
        }

        return new XRaySamplingRule(
            name,
            priority.Value,
            fixedRate.Value,
            reservoirSize.Value,
            GetString(rule, "ServiceName") ?? "*",
            GetString(rule, "ServiceType") ?? "*",
            GetString(rule, "Host") ?? "*",
            GetString(rule, "HTTPMethod") ?? "*",
            GetString(rule, "URLPath") ?? "*",
            GetString(rule, "ResourceARN") ?? "*",
            attributes,
            version);
    }

    private static string? GetString(JsonElement element, string name)
        => element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static int? GetInt(JsonElement element, string name)
    {
        if (!element.TryGetProperty(name, out var value))
        {
            return null;
        }

        if (value.ValueKind == JsonValueKind.Number)
        {
            if (value.TryGetInt32(out var whole))
            {
                return whole;
            }

            // Integers sent as 10.0 still count.
            return value.TryGetDouble(out var number) && number == Math.Floor(number) && number is >= int.MinValue and <= int.MaxValue ? (int)number : null;
        }

        return value.ValueKind == JsonValueKind.String
            && int.TryParse(value.GetString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var parsed) ? parsed : null;
    }

    private static double? GetDouble(JsonElement element, string name)
    {
        if (!element.TryGetProperty(name, out var value))
        {
            return null;
        }

        if (value.ValueKind == JsonValueKind.Number && value.TryGetDouble(out var number))
        {
            return number;
        }

        return value.ValueKind == JsonValueKind.String
            && double.TryParse(value.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed) ? parsed : null;
    }

    private static DateTimeOffset? GetTimestamp(JsonElement element, string name)
    {
        if (!element.TryGetProperty(name, out var value))
        {
            return null;
        }

        double seconds;
        if (value.ValueKind == JsonValueKind.Number && value.TryGetDouble(out var number))
        {
            seconds = number;
        }
        else if (value.ValueKind == JsonValueKind.String && value.GetString() is { } text)
        {
            if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out seconds))
            {
                return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed) ? parsed : null;
            }
        }
        else
        {
            return null;
        }

        // Reject values a DateTimeOffset cannot hold rather than throwing.
        return seconds is >= 0 and < 253_402_300_799 ? DateTimeOffset.FromUnixTimeMilliseconds((long)(seconds * 1000)) : null;
    }
}

/// <summary>Counts for one rule since the last report (one SamplingStatisticsDocument).</summary>
internal readonly record struct XRaySamplingStatistics(string RuleName, long RequestCount, long SampledCount, long BorrowCount);

/// <summary>One SamplingTargetDocument.</summary>
internal sealed record XRaySamplingTarget(string RuleName, double? FixedRate, int? ReservoirQuota, DateTimeOffset? ReservoirQuotaTtl, int? IntervalSeconds);

/// <summary>One UnprocessedStatistics entry: X-Ray did not take this rule's counts.</summary>
internal sealed record XRayUnprocessedStatistics(string? RuleName, string? ErrorCode, string? Message);

/// <summary>The useful part of a SamplingTargets response.</summary>
internal sealed record XRayTargetsResponse(
    IReadOnlyList<XRaySamplingTarget> Targets,
    DateTimeOffset? LastRuleModification,
    IReadOnlyList<XRayUnprocessedStatistics> Unprocessed);
