// The OTEL_* flags shared by `cwapm run` and `cwapm env`: each flag names one variable, so
// a flag is only a shorter way to write the environment. Applied in command-line order.
using System.Globalization;
using CloudWatchApm.Agent.Shared;

namespace CloudWatchApm.Cli;

internal static class OtelOptions
{
    internal const string DeploymentEnvironment = "--deployment-environment";
    internal const string ResourceAttributesOption = "--resource-attributes";
    internal const string Set = "--set";
    internal const string DeploymentEnvironmentAttribute = "deployment.environment.name";

    /// <summary>Flag, the variable it sets (null: merged into OTEL_RESOURCE_ATTRIBUTES or --set), value name, help.</summary>
    internal static readonly (string Flag, string? Key, string ValueName, string Help)[] Flags =
    [
        ("--service-name", ConfigurationKeys.ServiceName, "NAME", "service.name of every signal"),
        ("--service-version", ConfigurationKeys.ServiceVersion, "VERSION", "service.version"),
        (DeploymentEnvironment, null, "ENV", "adds " + DeploymentEnvironmentAttribute + "=ENV to " + ConfigurationKeys.ResourceAttributes),
        ("--traces-exporter", ConfigurationKeys.TracesExporter, "LIST", "otlp, console or none"),
        ("--metrics-exporter", ConfigurationKeys.MetricsExporter, "LIST", "otlp, console or none"),
        ("--logs-exporter", ConfigurationKeys.LogsExporter, "LIST", "otlp, console or none"),
        ("--endpoint", ConfigurationKeys.OtlpEndpoint, "URL", "OTLP endpoint (default http://localhost:4317)"),
        ("--protocol", ConfigurationKeys.OtlpProtocol, "PROTOCOL", "grpc or http/protobuf"),
        ("--headers", ConfigurationKeys.OtlpHeaders, "K=V,...", "headers sent with every OTLP export"),
        ("--sampler", ConfigurationKeys.TracesSampler, "NAME", "e.g. parentbased_traceidratio, always_on, xray"),
        ("--sampler-arg", ConfigurationKeys.TracesSamplerArg, "ARG", "sampler argument, e.g. 0.25"),
        ("--propagators", ConfigurationKeys.Propagators, "LIST", "e.g. tracecontext,baggage,xray"),
        (ResourceAttributesOption, null, "K=V,...", "merged into " + ConfigurationKeys.ResourceAttributes),
        (Set, null, "KEY=VALUE", "sets any variable; repeatable"),
    ];

    internal static IEnumerable<OptionSpec> Specs()
    {
        foreach (var flag in Flags)
        {
            var help = flag.Key is null ? flag.Help : flag.Help + " (" + flag.Key + ")";
            yield return new OptionSpec(flag.Flag, flag.ValueName, help);
        }
    }

    /// <summary>
    /// Turns the OTEL flags in <paramref name="parsed"/> into variables. <paramref name="baseline"/>
    /// is the environment the flags are laid over (for merging OTEL_RESOURCE_ATTRIBUTES).
    /// Returns the variables the flags set, in the order first set; later flags win.
    /// </summary>
    internal static bool TryApply(
        ParsedArgs parsed,
        Func<string, string?> baseline,
        out List<KeyValuePair<string, string>> variables,
        out string? error)
    {
        var result = new List<KeyValuePair<string, string>>();
        variables = result;
        error = null;

        string? Current(string key)
        {
            var index = result.FindIndex(v => v.Key == key);
            return index >= 0 ? result[index].Value : baseline(key);
        }

        void Put(string key, string value)
        {
            var index = result.FindIndex(v => v.Key == key);
            if (index >= 0)
            {
                result[index] = new(key, value);
            }
            else
            {
                result.Add(new(key, value));
            }
        }

        foreach (var option in parsed.Options)
        {
            var flag = Array.Find(Flags, f => f.Flag == option.Key);
            if (flag.Flag is null)
            {
                continue;
            }

            if (flag.Key is not null)
            {
                Put(flag.Key, option.Value);
                continue;
            }

            switch (option.Key)
            {
                case DeploymentEnvironment:
                    Put(ConfigurationKeys.ResourceAttributes, ResourceAttributes.Merge(
                        Current(ConfigurationKeys.ResourceAttributes),
                        [new(DeploymentEnvironmentAttribute, ResourceAttributes.Encode(option.Value))]));
                    break;
                case ResourceAttributesOption:
                    if (!ResourceAttributes.TryParse(option.Value, out var pairs, out var bad))
                    {
                        error = string.Create(CultureInfo.InvariantCulture, $"{ResourceAttributesOption}: '{bad}' is not key=value");
                        return false;
                    }

                    Put(ConfigurationKeys.ResourceAttributes, ResourceAttributes.Merge(Current(ConfigurationKeys.ResourceAttributes), pairs));
                    break;
                case Set:
                    var eq = option.Value.IndexOf('=', StringComparison.Ordinal);
                    var key = eq > 0 ? option.Value[..eq] : string.Empty;
                    if (!IsVariableName(key))
                    {
                        error = string.Create(CultureInfo.InvariantCulture, $"{Set} '{option.Value}': expected KEY=VALUE with KEY made of letters, digits and '_'");
                        return false;
                    }

                    Put(key, option.Value[(eq + 1)..]);
                    break;
            }
        }

        return true;
    }

    internal static bool IsVariableName(string name)
    {
        if (name.Length == 0 || char.IsAsciiDigit(name[0]))
        {
            return false;
        }

        foreach (var c in name)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c != '_')
            {
                return false;
            }
        }

        return true;
    }
}

/// <summary>OTEL_RESOURCE_ATTRIBUTES: "key=value,key2=value2", values percent-encoded.</summary>
internal static class ResourceAttributes
{
    internal static bool TryParse(string? text, out List<KeyValuePair<string, string>> pairs, out string? bad)
    {
        pairs = [];
        bad = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            return true;
        }

        foreach (var item in text.Split(','))
        {
            if (item.Trim().Length == 0)
            {
                continue;
            }

            var eq = item.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0 || item[..eq].Trim().Length == 0)
            {
                bad = item;
                return false;
            }

            pairs.Add(new(item[..eq].Trim(), item[(eq + 1)..].Trim()));
        }

        return true;
    }

    /// <summary>Lays <paramref name="updates"/> (already encoded) over <paramref name="existing"/>; a key keeps its place.</summary>
    internal static string Merge(string? existing, IEnumerable<KeyValuePair<string, string>> updates)
    {
        var items = new List<KeyValuePair<string, string>>();
        var raw = new List<string>();
        if (!string.IsNullOrWhiteSpace(existing))
        {
            foreach (var item in existing.Split(','))
            {
                var eq = item.IndexOf('=', StringComparison.Ordinal);
                if (eq > 0)
                {
                    items.Add(new(item[..eq].Trim(), item[(eq + 1)..].Trim()));
                }
                else if (item.Trim().Length > 0)
                {
                    // Kept verbatim: not ours to fix, `cwapm doctor` reports it.
                    raw.Add(item.Trim());
                }
            }
        }

        foreach (var update in updates)
        {
            var index = items.FindIndex(i => i.Key == update.Key);
                        if (index >= 0)
            {
                items[index] = update;
            }
            else
            {
                items.Add(update);
            }
        }

        var parts = new List<string>(items.Count + raw.Count);
        foreach (var item in items)
        {
            parts.Add(item.Key + "=" + item.Value);
        }

        parts.AddRange(raw);
        return string.Join(',', parts);
    }

    /// <summary>Percent-encodes the characters that would break the list (',', '=', '%', spaces and controls).</summary>
    internal static string Encode(string value)
    {
        if (value.IndexOfAny([',', '=', '%', ' ', '\t', '\n', '\r', '"']) < 0)
        {
            return value;
        }

        var sb = new System.Text.StringBuilder(value.Length + 8);
        foreach (var c in value)
        {
            if (c is ',' or '=' or '%' or ' ' or '\t' or '\n' or '\r' or '"')
            {
                sb.Append('%').Append(((int)c).ToString("X2", CultureInfo.InvariantCulture));
            }
            else
            {
                sb.Append(c);
            }
        }

        return sb.ToString();
    }
}
