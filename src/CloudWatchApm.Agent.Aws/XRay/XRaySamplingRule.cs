// One X-Ray sampling rule as GetSamplingRules returns it, and how it matches.
// Resource-level fields (service name, service type, resource ARN) cannot change during the
// process, so they are checked once when the rules arrive; only the request-level fields
// (method, path, host, attributes) are checked per span.
using System.Globalization;

namespace CloudWatchApm.Agent.Aws.XRay;

internal sealed class XRaySamplingRule
{
    internal XRaySamplingRule(
        string ruleName,
        int priority,
        double fixedRate,
        int reservoirSize,
        string serviceName = "*",
        string serviceType = "*",
        string host = "*",
        string httpMethod = "*",
        string urlPath = "*",
        string resourceArn = "*",
        IReadOnlyList<KeyValuePair<string, string>>? attributes = null,
        int version = 1)
    {
        RuleName = ruleName;
        Priority = priority;
        FixedRate = fixedRate;
        ReservoirSize = reservoirSize;
        ServiceName = serviceName;
        ServiceType = serviceType;
        Host = host;
        HttpMethod = httpMethod;
        UrlPath = urlPath;
        ResourceArn = resourceArn;
        Attributes = attributes ?? [];
        Version = version;
    }

    internal string RuleName { get; }

    internal int Priority { get; }

    internal double FixedRate { get; }

    internal int ReservoirSize { get; }

    internal string ServiceName { get; }

    internal string ServiceType { get; }

    internal string Host { get; }

    internal string HttpMethod { get; }

    internal string UrlPath { get; }

    internal string ResourceArn { get; }

    internal IReadOnlyList<KeyValuePair<string, string>> Attributes { get; }

    internal int Version { get; }

    /// <summary>Rules apply in ascending priority, ties broken by name.</summary>
    internal static int Compare(XRaySamplingRule? x, XRaySamplingRule? y)
    {
        if (x is null || y is null)
        {
            return x is null ? (y is null ? 0 : 1) : -1;
        }

        var byPriority = x.Priority.CompareTo(y.Priority);
        return byPriority != 0 ? byPriority : string.CompareOrdinal(x.RuleName, y.RuleName);
    }

    internal bool MatchesResource(XRaySamplerResource resource)
        => XRayGlob.IsMatch(resource.ServiceName, ServiceName)
            && XRayGlob.IsMatch(resource.ServiceType, ServiceType)
            && XRayGlob.IsMatch(resource.ResourceArn, ResourceArn);

    internal bool MatchesSpan(in XRaySpanFacts facts, IEnumerable<KeyValuePair<string, object?>>? tags)
    {
        if (!XRayGlob.IsMatch(facts.HttpMethod, HttpMethod)
            || !XRayGlob.IsMatch(facts.UrlPath, UrlPath)
            || !XRayGlob.IsMatch(facts.Host, Host))
        {
            return false;
        }

        for (var i = 0; i < Attributes.Count; i++)
        {
            var attribute = Attributes[i];
            if (!XRaySpanFacts.TryGetTag(tags, attribute.Key, out var value) || value is null)
            {
                return false;
            }

            var text = value as string ?? Convert.ToString(value, CultureInfo.InvariantCulture) ?? string.Empty;
            if (!XRayGlob.IsMatch(text, attribute.Value))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Same definition: a refreshed rule that passes this keeps its reservoir, target and counts.</summary>
    internal bool HasSameDefinition(XRaySamplingRule other)
    {
        if (RuleName != other.RuleName
            || Priority != other.Priority
            || !FixedRate.Equals(other.FixedRate)
            || ReservoirSize != other.ReservoirSize
            || ServiceName != other.ServiceName
            || ServiceType != other.ServiceType
            || Host != other.Host
            || HttpMethod != other.HttpMethod
            || UrlPath != other.UrlPath
            || ResourceArn != other.ResourceArn
            || Version != other.Version
            || Attributes.Count != other.Attributes.Count)
        {
            return false;
        }

        for (var i = 0; i < Attributes.Count; i++)
        {
            if (Attributes[i].Key != other.Attributes[i].Key || Attributes[i].Value != other.Attributes[i].Value)
            {
                return false;
            }
        }

        return true;
    }
}
