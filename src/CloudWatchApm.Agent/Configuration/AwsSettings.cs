// The AWS distro's OTEL_AWS_* variables, read with the same rules as every other setting
// (SettingsReader: an invalid value is a problem line and the default is kept). Kept apart from
// AgentSettings so the AWS features can be configured and tested on their own.
using CloudWatchApm.Agent.Shared;

namespace CloudWatchApm.Agent.Configuration;

internal sealed class AwsSettings
{
    internal const string DefaultApplicationSignalsEndpoint = "http://localhost:4316/v1/metrics";

    internal bool ApplicationSignalsEnabled { get; private set; }

    private Uri? _applicationSignalsEndpoint;

    /// <summary>The default is parsed on first use, off the app's start-up path (see OtlpSignalSettings.Endpoint).</summary>
    internal Uri ApplicationSignalsEndpoint
    {
        get => _applicationSignalsEndpoint ??= new Uri(DefaultApplicationSignalsEndpoint);
        private set => _applicationSignalsEndpoint = value;
    }

    /// <summary>OTEL_AWS_HTTP_OPERATION_PATHS, each a path template such as /users/{id}.</summary>
    internal IReadOnlyList<string> OperationPaths { get; private set; } = [];

    internal IReadOnlyList<string> Problems { get; private set; } = [];

    internal static AwsSettings Load(IEnvironment environment)
    {
        var r = new SettingsReader(environment);
        var s = new AwsSettings
        {
            ApplicationSignalsEnabled = r.GetBool(ConfigurationKeys.AwsApplicationSignalsEnabled, false),
        };

        var endpoint = r.GetString(ConfigurationKeys.AwsApplicationSignalsExporterEndpoint);
        if (endpoint is not null)
        {
            if (Uri.TryCreate(endpoint, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps))
            {
                s.ApplicationSignalsEndpoint = uri;
            }
            else
            {
                r.Problem(ConfigurationKeys.AwsApplicationSignalsExporterEndpoint, endpoint, "an absolute http:// or https:// URL", DefaultApplicationSignalsEndpoint);
            }
        }

        var paths = new List<string>();
        foreach (var path in r.GetList(ConfigurationKeys.AwsHttpOperationPaths))
        {
            if (path.StartsWith('/'))
            {
                paths.Add(path);
            }
            else
            {
                r.Problem(ConfigurationKeys.AwsHttpOperationPaths, path, "path templates that start with '/', such as /users/{id}", "the others");
            }
        }

        s.OperationPaths = paths;
        s.Problems = r.Problems;
        return s;
    }

    private static readonly Lazy<AwsSettings> ProcessSettings = new(FromProcess);

    internal static AwsSettings FromProcess() => Load(ProcessEnvironment.Instance);

    /// <summary>
    /// This process's OTEL_AWS_* settings, read once; Bootstrap reports their problems with the
    /// agent's own (one list, one fail-fast decision). Bootstrap reads them on the app's main
    /// thread, before Main, so they are held here, in a class that names no OpenTelemetry type:
    /// held in AwsHooks, whose static fields do, they loaded the SDK before Main (and before
    /// Bootstrap decides whether to step aside).
    /// </summary>
    internal static AwsSettings Process => ProcessSettings.Value;
}
