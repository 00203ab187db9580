// Tests that change process-wide state (environment variables, the SigV4 test seams, the
// AWS SDK's global pipeline registry, DiagnosticListener subscriptions) run one at a time.
using Xunit;

namespace CloudWatchApm.Agent.Tests.Aws;

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class AwsProcessStateCollection
{
    internal const string Name = "AWS process state";
}
