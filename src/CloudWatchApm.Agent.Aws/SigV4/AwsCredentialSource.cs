// Where the SigV4 exporter gets its credentials: AWSSDK.Core's default chain (environment,
// shared profile, web identity, ECS/EKS container credentials, EC2 instance role), resolved on
// the first export rather than at startup so that a slow metadata endpoint never delays the
// app, and refreshed by the SDK's own credential objects. If AWSSDK.Core v4 cannot be loaded
// (an app that ships the v3 SDK), the standard environment variables are the fallback.
using System.Runtime.CompilerServices;
using Amazon.Runtime;
using Amazon.Runtime.Credentials;

namespace CloudWatchApm.Agent.Aws.SigV4;

internal interface IAwsCredentialSource
{
    AwsCredentials Get(CancellationToken cancellationToken);

    Task<AwsCredentials> GetAsync(CancellationToken cancellationToken);
}

internal sealed class StaticCredentialSource(AwsCredentials credentials) : IAwsCredentialSource
{
    public AwsCredentials Get(CancellationToken cancellationToken) => credentials;

    public Task<AwsCredentials> GetAsync(CancellationToken cancellationToken) => Task.FromResult(credentials);
}

internal sealed class DefaultChainCredentialSource : IAwsCredentialSource
{
    // A failed resolution is not retried for this long: every export would otherwise walk the
    // whole chain again, including the instance metadata endpoint.
    private static readonly TimeSpan RetryAfterFailure = TimeSpan.FromSeconds(30);

    private readonly Action<string> _warn;
    private readonly TimeProvider _clock;
    private readonly object _gate = new();

    // Typed as object so that this class loads even where AWSSDK.Core v4 cannot.
    private object? _sdkCredentials;
    private bool _sdkUnavailable;
    private DateTimeOffset _failedUntil;
    private string? _lastWarning;

    internal DefaultChainCredentialSource(Action<string> warn, TimeProvider? clock = null)
    {
        _warn = warn;
        _clock = clock ?? TimeProvider.System;
    }

    public AwsCredentials Get(CancellationToken cancellationToken)
    {
        if (!TryResolveChain(out var chain))
        {
            return FromEnvironmentOrThrow();
        }

        return ToCredentials(GetSync(chain));
    }

    public async Task<AwsCredentials> GetAsync(CancellationToken cancellationToken)
    {
        if (!TryResolveChain(out var chain))
        {
            return FromEnvironmentOrThrow();
        }

        return ToCredentials(await GetAsyncCore(chain).ConfigureAwait(false));
    }

    internal static AwsCredentials? FromEnvironment()
    {
        var key = Environment.GetEnvironmentVariable("AWS_ACCESS_KEY_ID");
        var secret = Environment.GetEnvironmentVariable("AWS_SECRET_ACCESS_KEY");
        if (string.IsNullOrEmpty(key) || string.IsNullOrEmpty(secret))
        {
            return null;
        }

        var token = Environment.GetEnvironmentVariable("AWS_SESSION_TOKEN");
        return new AwsCredentials(key, secret, string.IsNullOrEmpty(token) ? null : token);
    }

    private AwsCredentials FromEnvironmentOrThrow()
        => FromEnvironment() ?? throw new InvalidOperationException("no AWS credentials: AWSSDK.Core v4 is not available and AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY are not set");

    private bool TryResolveChain(out object chain)
    {
        lock (_gate)
        {
            if (_sdkCredentials is not null)
            {
                chain = _sdkCredentials;
                return true;
            }

            chain = null!;
            if (_sdkUnavailable)
            {
                return false;
            }

            if (_clock.GetUtcNow() < _failedUntil)
            {
                throw new InvalidOperationException(_lastWarning ?? "AWS credentials could not be resolved");
            }

            try
            {
                _sdkCredentials = ResolveDefaultChain();
                chain = _sdkCredentials;
                return true;
            }
            catch (Exception ex) when (ex is FileNotFoundException or FileLoadException or TypeLoadException or MissingMethodException)
            {
                _sdkUnavailable = true;
                Warn("AWSSDK.Core v4 could not be loaded (" + ex.GetType().Name + "); signing with AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY/AWS_SESSION_TOKEN only");
                return false;
            }
            catch (Exception ex)
            {
                _failedUntil = _clock.GetUtcNow() + RetryAfterFailure;
                Warn("no AWS credentials found by the default chain (environment, profile, web identity, container, instance role): " + ex.Message);
                throw new InvalidOperationException(_lastWarning, ex);
            }
        }
    }

    private void Warn(string message)
    {
        // One line per distinct problem, not one per export.
        if (message != _lastWarning)
        {
            _lastWarning = message;
            _warn(message);
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static object ResolveDefaultChain() => DefaultAWSCredentialsIdentityResolver.GetCredentials(null);

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static object GetSync(object chain) => ((AWSCredentials)chain).GetCredentials();

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static async Task<object> GetAsyncCore(object chain) => await ((AWSCredentials)chain).GetCredentialsAsync().ConfigureAwait(false);

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static AwsCredentials ToCredentials(object immutable)
    {
        var c = (ImmutableCredentials)immutable;
        return new AwsCredentials(c.AccessKey, c.SecretKey, c.UseToken ? c.Token : null);
    }
}
