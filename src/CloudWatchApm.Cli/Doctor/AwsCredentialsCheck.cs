// Which credentials the AWS SDK's default chain would pick for SigV4-signed OTLP export,
// found by looking at the environment and the profile files (no AWS SDK in the CLI, no
// calls to AWS). Secrets are never printed: only where they come from and a key id's tail.
using CloudWatchApm.Agent.Shared;

namespace CloudWatchApm.Cli.Doctor;

internal static class AwsCredentialsCheck
{
    internal const string Name = "aws credentials";

    internal static CheckResult Run(IReadOnlyDictionary<string, string> environment, string userHome)
    {
        string? Get(string key) => environment.TryGetValue(key, out var value) && value.Trim().Length > 0 ? value.Trim() : null;

        var awsEndpoints = new List<string>();
        foreach (var signal in new[] { "TRACES", "LOGS" })
        {
            var key = ConfigurationKeys.OtlpSignalKey(signal, "ENDPOINT");
            if (Get(key) is { } endpoint && Uri.TryCreate(endpoint, UriKind.Absolute, out var uri) && uri.Host.EndsWith(".amazonaws.com", StringComparison.OrdinalIgnoreCase))
            {
                awsEndpoints.Add(key + "=" + endpoint);
            }
        }

        if (awsEndpoints.Count == 0)
        {
            return new CheckResult(Name, CheckStatus.Skip, "not needed: no traces or logs endpoint on amazonaws.com");
        }

        var result = Resolve(Get, userHome);
        result.Details.InsertRange(0, awsEndpoints.Select(e => "needed for " + e));
        var region = Get("AWS_REGION") ?? Get("AWS_DEFAULT_REGION");
        result.Details.Add("region: " + (region ?? "not set (AWS_REGION); taken from the endpoint host"));
        return result;
    }

    /// <summary>The default chain in order: environment, profile, web identity, ECS container, EC2 instance profile.</summary>
    private static CheckResult Resolve(Func<string, string?> get, string userHome)
    {
        var keyId = get("AWS_ACCESS_KEY_ID");
        var secret = get("AWS_SECRET_ACCESS_KEY");
        if (keyId is not null || secret is not null)
        {
            if (keyId is null || secret is null)
            {
                return new CheckResult(Name, CheckStatus.Fail, (keyId is null ? "AWS_SECRET_ACCESS_KEY is set without AWS_ACCESS_KEY_ID" : "AWS_ACCESS_KEY_ID is set without AWS_SECRET_ACCESS_KEY"))
                {
                    Fix = "Set both, or unset both so that the next source in the chain (profile, web identity, container, instance role) is used.",
                };
            }

            return new CheckResult(Name, CheckStatus.Ok, "environment variables: AWS_ACCESS_KEY_ID=" + MaskKeyId(keyId)
                + (get("AWS_SESSION_TOKEN") is null ? " (long-term key)" : " with AWS_SESSION_TOKEN (temporary credentials: they expire)"));
        }

        var explicitProfile = get("AWS_PROFILE");
        var profile = explicitProfile ?? "default";
        var credentialsFile = get("AWS_SHARED_CREDENTIALS_FILE") ?? Path.Combine(userHome, ".aws", "credentials");
        var configFile = get("AWS_CONFIG_FILE") ?? Path.Combine(userHome, ".aws", "config");
        var fromCredentials = ReadIniSection(credentialsFile, profile);
        var fromConfig = ReadIniSection(configFile, profile == "default" ? "default" : "profile " + profile) ?? ReadIniSection(configFile, profile);
        if (fromCredentials is not null && fromCredentials.TryGetValue("aws_access_key_id", out var fileKeyId))
        {
            return new CheckResult(Name, CheckStatus.Ok, "profile '" + profile + "' in " + credentialsFile + ": static key " + MaskKeyId(fileKeyId));
        }

        var section = fromConfig ?? fromCredentials;
        if (section is not null)
        {
            var kind = section.ContainsKey("role_arn") ? "assumes role " + section["role_arn"]
                : section.ContainsKey("sso_session") || section.ContainsKey("sso_start_url") ? "IAM Identity Center (SSO): run `aws sso login` when it expires"
                : section.ContainsKey("credential_process") ? "credential_process"
                : section.ContainsKey("aws_access_key_id") ? "static key " + MaskKeyId(section["aws_access_key_id"])
                : null;
            if (kind is not null)
            {
                return new CheckResult(Name, CheckStatus.Ok, "profile '" + profile + "' in " + (fromConfig is not null ? configFile : credentialsFile) + ": " + kind);
            }
        }

        if (explicitProfile is not null)
        {
            return new CheckResult(Name, CheckStatus.Fail, "AWS_PROFILE=" + explicitProfile + " but no usable profile of that name in " + credentialsFile + " or " + configFile)
            {
                Fix = "Create the profile (aws configure --profile " + explicitProfile + "), or unset AWS_PROFILE.",
            };
        }

        var tokenFile = get("AWS_WEB_IDENTITY_TOKEN_FILE");
        var roleArn = get("AWS_ROLE_ARN");
        if (tokenFile is not null && roleArn is not null)
        {
            return File.Exists(tokenFile)
                ? new CheckResult(Name, CheckStatus.Ok, "web identity (EKS IRSA): role " + roleArn + ", token " + tokenFile)
                : new CheckResult(Name, CheckStatus.Fail, "web identity: AWS_WEB_IDENTITY_TOKEN_FILE=" + tokenFile + " does not exist")
                {
                    Fix = "Check the service account's token volume is mounted in this container (EKS IRSA).",
                };
        }

        if (get("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI") is not null)
        {
            return new CheckResult(Name, CheckStatus.Ok, "ECS container credentials (task role), from AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
        }

        if (get("AWS_CONTAINER_CREDENTIALS_FULL_URI") is not null)
        {
            var pod = get("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE") is not null ? " (EKS Pod Identity)" : string.Empty;
            return new CheckResult(Name, CheckStatus.Ok, "container credentials from AWS_CONTAINER_CREDENTIALS_FULL_URI" + pod);
        }

        return new CheckResult(Name, CheckStatus.Warn, "no credentials in the environment or profile files: the SDK falls back to the EC2 instance profile (IMDS)")
        {
            Fix = "This works only on EC2 with an instance role that may write traces/logs; elsewhere set AWS_PROFILE or the AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY pair. doctor does not call IMDS.",
        };
    }

    /// <summary>"AKIA...WXYZ": enough to tell keys apart, nothing to steal.</summary>
    internal static string MaskKeyId(string keyId)
        => keyId.Length <= 8 ? "****" : keyId[..4] + "****" + keyId[^4..];

    /// <summary>The keys of [section] in an INI file; null when the file or the section is absent.</summary>
    private static Dictionary<string, string>? ReadIniSection(string file, string section)
    {
        if (!File.Exists(file))
        {
            return null;
        }

        Dictionary<string, string>? result = null;
        var inSection = false;
        foreach (var raw in File.ReadLines(file))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line[0] is '#' or ';')
            {
                continue;
            }

            if (line[0] == '[' && line[^1] == ']')
            {
                inSection = string.Equals(line[1..^1].Trim(), section, StringComparison.Ordinal);
                if (inSection)
                {
                    result ??= new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
                }

                continue;
            }

            var eq = line.IndexOf('=', StringComparison.Ordinal);
            if (inSection && eq > 0)
            {
                result![line[..eq].Trim()] = line[(eq + 1)..].Trim();
            }
        }

        return result;
    }
}
