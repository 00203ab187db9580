// Lambda attributes from the variables the Lambda runtime sets; no I/O at all.
using System.Globalization;
using OpenTelemetry.Resources;

namespace CloudWatchApm.Agent.Aws.Resources;

internal sealed class LambdaResourceDetector : IResourceDetector
{
    /// <summary>Switch: OTEL_DOTNET_AUTO_LAMBDA_RESOURCE_DETECTOR_ENABLED.</summary>
    internal const string Id = "LAMBDA";

    private const long BytesPerMegabyte = 1024 * 1024;

    private readonly DetectorLog _log;
    private readonly Func<string, string?> _getEnvironmentVariable;

    internal LambdaResourceDetector(Action<string>? log)
        : this(log, Environment.GetEnvironmentVariable)
    {
    }

    /// <summary>For tests: a fake environment.</summary>
    internal LambdaResourceDetector(Action<string>? log, Func<string, string?> getEnvironmentVariable)
    {
        _log = new DetectorLog(Id, log);
        _getEnvironmentVariable = getEnvironmentVariable;
    }

    public Resource Detect()
    {
        try
        {
            var functionName = _getEnvironmentVariable(AwsEnvironmentVariables.LambdaFunctionName);
            if (string.IsNullOrWhiteSpace(functionName))
            {
                _log.Write("skipped, not Lambda (" + AwsEnvironmentVariables.LambdaFunctionName + " is not set)");
                return Resource.Empty;
            }

            var attributes = new AttributeList();
            attributes.Add(AwsResourceAttributes.CloudProvider, AwsResourceAttributes.ProviderAws);
            attributes.Add(AwsResourceAttributes.CloudPlatform, AwsResourceAttributes.PlatformLambda);
            attributes.Add(AwsResourceAttributes.CloudRegion, _getEnvironmentVariable(AwsEnvironmentVariables.Region));
            attributes.Add(AwsResourceAttributes.FaasName, functionName);
            attributes.Add(AwsResourceAttributes.FaasVersion, _getEnvironmentVariable(AwsEnvironmentVariables.LambdaFunctionVersion));

            // The log stream names the execution environment, which is what faas.instance identifies.
            attributes.Add(AwsResourceAttributes.FaasInstance, _getEnvironmentVariable(AwsEnvironmentVariables.LambdaLogStreamName));

            var memory = _getEnvironmentVariable(AwsEnvironmentVariables.LambdaFunctionMemorySize);
            if (long.TryParse(memory, NumberStyles.None, CultureInfo.InvariantCulture, out var megabytes) && megabytes > 0)
            {
                // Lambda gives megabytes; the convention wants bytes.
                attributes.Add(AwsResourceAttributes.FaasMaxMemory, megabytes * BytesPerMegabyte);
            }
            else if (memory is not null)
            {
                _log.Write("ignored " + AwsEnvironmentVariables.LambdaFunctionMemorySize + "='" + memory + "', not a number of megabytes");
            }

            var logGroup = _getEnvironmentVariable(AwsEnvironmentVariables.LambdaLogGroupName);
            if (!string.IsNullOrWhiteSpace(logGroup))
            {
                attributes.Add(AwsResourceAttributes.LogGroupNames, [logGroup]);
            }

            return attributes.ToResource();
        }
        catch (Exception ex)
        {
            _log.Write("failed: " + ex.Message);
            return Resource.Empty;
        }
    }
}
