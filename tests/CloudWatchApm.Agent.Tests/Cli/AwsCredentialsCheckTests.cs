using Xunit;

namespace CloudWatchApm.Cli.Tests;

public sealed class AwsCredentialsCheckTests : IDisposable
{
    private const string XRay = "https://xray.us-east-1.amazonaws.com/v1/traces";
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    private static Dictionary<string, string> Env(params (string Key, string Value)[] pairs)
    {
        var env = new Dictionary<string, string> { ["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"] = XRay };
        foreach (var (key, value) in pairs)
        {
            env[key] = value;
        }

        return env;
    }

    [Fact]
    public void Aws_NoAwsEndpoint_Skipped()
    {
        var result = AwsCredentialsCheck.Run(new Dictionary<string, string> { ["OTEL_EXPORTER_OTLP_ENDPOINT"] = "http://localhost:4317" }, _temp.Path);

        Assert.Equal(CheckStatus.Skip, result.Status);
    }

    [Fact]
    public void Aws_EnvironmentKeys_UsedFirstAndSecretNeverShown()
    {
        var result = AwsCredentialsCheck.Run(Env(("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE"), ("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"), ("AWS_WEB_IDENTITY_TOKEN_FILE", "/x"), ("AWS_ROLE_ARN", "arn:aws:iam::1:role/r")), _temp.Path);

        Assert.Equal(CheckStatus.Ok, result.Status);
        Assert.Equal("environment variables: AWS_ACCESS_KEY_ID=AKIA****MPLE (long-term key)", result.Summary);
        var all = result.Summary + string.Join("\n", result.Details) + result.Fix;
        Assert.DoesNotContain("wJalrXUtnFEMI", all, StringComparison.Ordinal);
        Assert.DoesNotContain("AKIAIOSFODNN7EXAMPLE", all, StringComparison.Ordinal);
        Assert.Contains("needed for OTEL_EXPORTER_OTLP_TRACES_ENDPOINT=" + XRay, result.Details);
    }

    [Fact]
    public void Aws_KeyWithoutSecret_Fails()
    {
        var result = AwsCredentialsCheck.Run(Env(("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE")), _temp.Path);

        Assert.Equal(CheckStatus.Fail, result.Status);
        Assert.Contains("without AWS_SECRET_ACCESS_KEY", result.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void Aws_ProfileFromCredentialsFile_NamesProfileNotSecret()
    {
        Directory.CreateDirectory(_temp.Combine(".aws"));
        File.WriteAllText(_temp.Combine(".aws", "credentials"), "[default]\naws_access_key_id = AKIADEFAULT000000000\n\n[prod]\naws_access_key_id = AKIAPROD000000001234\naws_secret_access_key = supersecret\n");

        var result = AwsCredentialsCheck.Run(Env(("AWS_PROFILE", "prod")), _temp.Path);

        Assert.Equal(CheckStatus.Ok, result.Status);
        Assert.Equal("profile 'prod' in " + _temp.Combine(".aws", "credentials") + ": static key AKIA****1234", result.Summary);
        Assert.DoesNotContain("supersecret", result.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void Aws_ProfileWithRoleInConfig_SaysAssumeRole()
    {
        Directory.CreateDirectory(_temp.Combine(".aws"));
        File.WriteAllText(_temp.Combine(".aws", "config"), "[profile ops]\nrole_arn = arn:aws:iam::123456789012:role/ops\nsource_profile = default\n");

        var result = AwsCredentialsCheck.Run(Env(("AWS_PROFILE", "ops")), _temp.Path);

        Assert.Equal(CheckStatus.Ok, result.Status);
        Assert.Contains("assumes role arn:aws:iam::123456789012:role/ops", result.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void Aws_MissingNamedProfile_Fails()
    {
        var result = AwsCredentialsCheck.Run(Env(("AWS_PROFILE", "ghost")), _temp.Path);

        Assert.Equal(CheckStatus.Fail, result.Status);
        Assert.Contains("AWS_PROFILE=ghost", result.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void Aws_WebIdentity_ChecksTokenFile()
    {
        var token = _temp.Combine("token");
        File.WriteAllText(token, "jwt");

        var ok = AwsCredentialsCheck.Run(Env(("AWS_WEB_IDENTITY_TOKEN_FILE", token), ("AWS_ROLE_ARN", "arn:aws:iam::1:role/app")), _temp.Path);
        var missing = AwsCredentialsCheck.Run(Env(("AWS_WEB_IDENTITY_TOKEN_FILE", token + ".gone"), ("AWS_ROLE_ARN", "arn:aws:iam::1:role/app")), _temp.Path);

        Assert.Equal(CheckStatus.Ok, ok.Status);
        Assert.StartsWith("web identity", ok.Summary, StringComparison.Ordinal);
        Assert.Equal(CheckStatus.Fail, missing.Status);
    }

    [Fact]
    public void Aws_EcsContainer_Recognised()
    {
        var result = AwsCredentialsCheck.Run(Env(("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/v2/credentials/abc")), _temp.Path);

        Assert.Equal(CheckStatus.Ok, result.Status);
        Assert.StartsWith("ECS container credentials", result.Summary, StringComparison.Ordinal);
        Assert.DoesNotContain("/v2/credentials/abc", result.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void Aws_NothingConfigured_FallsBackToInstanceProfileWithWarning()
    {
        var env = new Dictionary<string, string> { ["OTEL_EXPORTER_OTLP_LOGS_ENDPOINT"] = "https://logs.eu-west-1.amazonaws.com/v1/logs" };

        var result = AwsCredentialsCheck.Run(env, _temp.Path);

        Assert.Equal(CheckStatus.Warn, result.Status);
        Assert.Contains("EC2 instance profile", result.Summary, StringComparison.Ordinal);
    }
}
