// The agent's entry point to the AWS resource detectors: runs the enabled ones and merges what
// they find. Decisions, so the agent's docs can state them:
// - Lambda runs first, inline (it only reads variables). When it matches nothing else runs: a
//   function has no IMDS, ECS or Kubernetes, and cold start is where every millisecond shows.
// - Elastic Beanstalk runs inline too (one small file).
// - ECS, EKS and EC2 run in parallel on dedicated threads, each inside its own 1 s time box,
//   so detection costs about 1 s at worst on AWS and nothing measurable off AWS (no variables,
//   no token file, DMI not Amazon: no network call).
// - EC2 always runs, not only when nothing more specific matched: ECS on EC2, EKS nodes and
//   Beanstalk environments are EC2 instances, and host.id, host.type and host.image.id are
//   worth having there. It is skipped on ECS Fargate (AWS_EXECUTION_ENV=AWS_ECS_FARGATE), where
//   IMDS is unreachable and would only burn the time box.
// - Merge order is least to most specific, the later winning on conflicts, so cloud.platform
//   names the most specific platform: EC2, Elastic Beanstalk, EKS, ECS, Lambda.
// Nothing here throws: every failure becomes a line through the callback and fewer attributes.
using System.Diagnostics;
using OpenTelemetry.Resources;

namespace CloudWatchApm.Agent.Aws.Resources;

internal sealed class AwsResourceDetection
{
    /// <summary>Every detector id, each switchable with OTEL_DOTNET_AUTO_{ID}_RESOURCE_DETECTOR_ENABLED (default on).</summary>
    internal static readonly string[] DetectorIds =
    [
        Ec2ResourceDetector.Id,
        EcsResourceDetector.Id,
        EksResourceDetector.Id,
        LambdaResourceDetector.Id,
        ElasticBeanstalkResourceDetector.Id,
    ];

    /// <summary>
    /// A backstop above the detectors' own 1 s time boxes: a detector still running then is left
    /// behind (its thread ends with its time box) so startup never waits on it.
    /// </summary>
    internal static readonly TimeSpan DefaultDeadline = TimeSpan.FromMilliseconds(1500);

    private static readonly string[] ParallelIds = [EcsResourceDetector.Id, EksResourceDetector.Id, Ec2ResourceDetector.Id];

    private static readonly string[] MergeOrder =
    [
        Ec2ResourceDetector.Id,
        ElasticBeanstalkResourceDetector.Id,
        EksResourceDetector.Id,
        EcsResourceDetector.Id,
        LambdaResourceDetector.Id,
    ];

    private readonly Func<string, Action<string>?, IResourceDetector?> _createDetector;
    private readonly Func<string, string?> _getEnvironmentVariable;
    private readonly TimeSpan _deadline;

    /// <summary>For tests: fake detectors, environment and deadline.</summary>
    internal AwsResourceDetection(
        Func<string, Action<string>?, IResourceDetector?> createDetector,
        Func<string, string?> getEnvironmentVariable,
        TimeSpan deadline)
    {
        _createDetector = createDetector;
        _getEnvironmentVariable = getEnvironmentVariable;
        _deadline = deadline;
    }

    /// <summary>
    /// Runs the enabled AWS detectors and merges their attributes; empty off AWS.
    /// </summary>
    /// <param name="enabledDetectorIds">Ids from <see cref="DetectorIds"/> (case-insensitive); others are ignored.</param>
    /// <param name="log">Receives why each detector skipped or failed; called from several threads, one call at a time.</param>
    internal static Resource Detect(IEnumerable<string> enabledDetectorIds, Action<string>? log)
        => new AwsResourceDetection(CreateDetector, Environment.GetEnvironmentVariable, DefaultDeadline).Run(enabledDetectorIds, log);

    internal Resource Run(IEnumerable<string> enabledDetectorIds, Action<string>? log)
    {
        // Detectors log from their own threads; the agent's callback need not be thread-safe.
        var gate = new object();
        Action<string>? serialized = log is null ? null : message =>
        {
            lock (gate)
            {
                log(message);
            }
        };
        var detectionLog = DetectorLog.ForDetection(serialized);

        try
        {
            var enabled = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            foreach (var id in enabledDetectorIds)
            {
                enabled.Add(id.Trim());
            }

            var results = new Dictionary<string, Resource>(StringComparer.Ordinal);
            if (enabled.Contains(LambdaResourceDetector.Id))
            {
                var lambda = RunGuarded(LambdaResourceDetector.Id, serialized, detectionLog);
                if (lambda.Attributes.Any())
                {
                    return Summarize(lambda, detectionLog);
                }
            }

            if (enabled.Contains(ElasticBeanstalkResourceDetector.Id))
            {
                results[ElasticBeanstalkResourceDetector.Id] = RunGuarded(ElasticBeanstalkResourceDetector.Id, serialized, detectionLog);
            }

            RunInParallel(enabled, serialized, detectionLog, results);

            var merged = Resource.Empty;
            foreach (var id in MergeOrder)
            {
                if (results.TryGetValue(id, out var resource))
                {
                    merged = merged.Merge(resource);
                }
            }

            return Summarize(merged, detectionLog);
        }
        catch (Exception ex)
        {
            detectionLog.Write("failed, no AWS attributes: " + ex.Message);
            return Resource.Empty;
        }
    }

    private void RunInParallel(HashSet<string> enabled, Action<string>? log, DetectorLog detectionLog, Dictionary<string, Resource> results)
    {
        var running = new List<(string Id, Task<Resource> Task)>();
        foreach (var id in ParallelIds)
        {
            if (!enabled.Contains(id))
            {
                continue;
            }

            if (id == Ec2ResourceDetector.Id && IsEcsFargate())
            {
                detectionLog.Write("EC2 skipped, ECS Fargate has no instance metadata");
                continue;
            }

            // LongRunning gives each its own thread: they block on I/O for up to the time box and
            // must not wait for, or starve, the thread pool the application is starting on.
            var task = Task.Factory.StartNew(
                () => RunGuarded(id, log, detectionLog),
                CancellationToken.None,
                TaskCreationOptions.LongRunning,
                TaskScheduler.Default);
            running.Add((id, task));
        }

        var clock = Stopwatch.StartNew();
        foreach (var (id, task) in running)
        {
            var remaining = _deadline - clock.Elapsed;
            if (task.Wait(remaining > TimeSpan.Zero ? remaining : TimeSpan.Zero))
            {
                results[id] = task.Result;
            }
            else
            {
                detectionLog.Write(id + " did not finish within " + (int)_deadline.TotalMilliseconds + " ms; its attributes are left out");
            }
        }
    }

    private bool IsEcsFargate()
        => string.Equals(
            _getEnvironmentVariable(AwsEnvironmentVariables.ExecutionEnvironment),
            AwsEnvironmentVariables.ExecutionEnvironmentEcsFargate,
            StringComparison.Ordinal);

    private Resource RunGuarded(string id, Action<string>? log, DetectorLog detectionLog)
    {
        try
        {
            return _createDetector(id, log)?.Detect() ?? Resource.Empty;
        }
        catch (Exception ex)
        {
            detectionLog.Write(id + " failed: " + ex.Message);
            return Resource.Empty;
        }
    }

    private static Resource Summarize(Resource resource, DetectorLog detectionLog)
    {
        var platform = resource.Attributes.FirstOrDefault(a => a.Key == AwsResourceAttributes.CloudPlatform).Value;
        detectionLog.Write(platform is null
            ? "no AWS platform found"
            : "found " + platform + " (" + resource.Attributes.Count() + " attributes)");
        return resource;
    }

    private static IResourceDetector? CreateDetector(string id, Action<string>? log) => id switch
    {
        Ec2ResourceDetector.Id => new Ec2ResourceDetector(log),
        EcsResourceDetector.Id => new EcsResourceDetector(log),
        EksResourceDetector.Id => new EksResourceDetector(log),
        LambdaResourceDetector.Id => new LambdaResourceDetector(log),
        ElasticBeanstalkResourceDetector.Id => new ElasticBeanstalkResourceDetector(log),
        _ => null,
    };
}
