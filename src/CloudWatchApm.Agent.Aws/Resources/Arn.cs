// Just enough ARN parsing to lift partition, region and account out of the ECS task and
// container ARNs: arn:partition:service:region:account-id:resource.
namespace CloudWatchApm.Agent.Aws.Resources;

internal readonly record struct Arn(string Partition, string Service, string Region, string AccountId, string Resource)
{
    /// <summary>The parts of an ARN, or null when the text is not one.</summary>
    internal static Arn? Parse(string? text)
    {
        if (string.IsNullOrEmpty(text) || !text.StartsWith("arn:", StringComparison.Ordinal))
        {
            return null;
        }

        // The resource part may itself contain ':' (log-group:name:log-stream:name), hence the limit.
        var parts = text.Split(':', 6);
        return parts.Length == 6 && parts[1].Length > 0
            ? new Arn(parts[1], parts[2], parts[3], parts[4], parts[5])
            : null;
    }
}
