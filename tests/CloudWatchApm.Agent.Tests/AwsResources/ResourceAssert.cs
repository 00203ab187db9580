using OpenTelemetry.Resources;

namespace CloudWatchApm.Agent.Tests.AwsResources;

internal static class ResourceAssert
{
    internal static Dictionary<string, object> ToDictionary(Resource resource)
        => resource.Attributes.ToDictionary(a => a.Key, a => a.Value, StringComparer.Ordinal);
}
