// Writes variables in the syntax of the place they go: a shell, a .env file, a Dockerfile,
// a Kubernetes container spec or an ECS task definition.
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace CloudWatchApm.Cli;

internal static class EnvFormats
{
    internal const string Sh = "sh";
    internal const string Fish = "fish";
    internal const string PowerShell = "powershell";
    internal const string Dotenv = "dotenv";
    internal const string Dockerfile = "dockerfile";
    internal const string Kubernetes = "k8s";
    internal const string Ecs = "ecs";

    internal static readonly string[] All = [Sh, Fish, PowerShell, Dotenv, Dockerfile, Kubernetes, Ecs];

    /// <summary>Formats whose variables are read inside a container, where the home is <see cref="InstrumentingVariables.ContainerHome"/>.</summary>
    internal static readonly string[] Container = [Dockerfile, Kubernetes, Ecs];

    /// <summary>Formats evaluated by the current shell, so existing values are merged in.</summary>
    internal static readonly string[] Shells = [Sh, Fish, PowerShell];

    private static readonly Dictionary<string, string> Aliases = new(StringComparer.OrdinalIgnoreCase)
    {
        ["bash"] = Sh,
        ["zsh"] = Sh,
        ["pwsh"] = PowerShell,
        ["env"] = Dotenv,
        [".env"] = Dotenv,
        ["docker"] = Dockerfile,
        ["kubernetes"] = Kubernetes,
        ["yaml"] = Kubernetes,
        ["yml"] = Kubernetes,
        ["json"] = Ecs,
    };

    internal static string? Normalize(string format)
    {
        foreach (var name in All)
        {
            if (string.Equals(name, format, StringComparison.OrdinalIgnoreCase))
            {
                return name;
            }
        }

        return Aliases.TryGetValue(format, out var alias) ? alias : null;
    }

    internal static void Write(string format, IReadOnlyList<KeyValuePair<string, string>> variables, TextWriter writer)
    {
        if (format == Ecs)
        {
            writer.Write(Json(variables));
            writer.Write('\n');
            return;
        }

        if (format == Kubernetes)
        {
            writer.Write("env:\n");
        }

        foreach (var (name, value) in variables)
        {
            writer.Write(format switch
            {
                Fish => "set -gx " + name + " " + FishQuote(value) + "\n",
                PowerShell => "$env:" + name + " = '" + value.Replace("'", "''", StringComparison.Ordinal) + "'\n",
                Dotenv => name + "=" + DotenvValue(value) + "\n",
                Dockerfile => "ENV " + name + "=" + DoubleQuote(value, escapeDollar: true) + "\n",
                Kubernetes => "  - name: " + name + "\n    value: " + YamlQuote(value) + "\n",
                _ => "export " + name + "=" + ShQuote(value) + "\n",
            });
        }
    }

    internal static string ShQuote(string value) => "'" + value.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    internal static string FishQuote(string value)
        => "'" + value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("'", "\\'", StringComparison.Ordinal) + "'";

    internal static string YamlQuote(string value)
    {
        var sb = new StringBuilder(value.Length + 2).Append('"');
        foreach (var c in value)
        {
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                default:
                    if (char.IsControl(c))
                    {
                        sb.Append("\\u").Append(((int)c).ToString("X4", System.Globalization.CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        sb.Append(c);
                    }

                    break;
            }
        }

        return sb.Append('"').ToString();
    }

    private static string DotenvValue(string value)
    {
        foreach (var c in value)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.' or '/' or ':' or ',' or '=' or '@' or '+'))
            {
                return DoubleQuote(value, escapeDollar: true);
            }
        }

        return value;
    }

    private static string DoubleQuote(string value, bool escapeDollar)
    {
        var sb = new StringBuilder(value.Length + 2).Append('"');
        foreach (var c in value)
        {
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                case '$' when escapeDollar: sb.Append("\\$"); break;
                default: sb.Append(c); break;
            }
        }

        return sb.Append('"').ToString();
    }

    private static string Json(IReadOnlyList<KeyValuePair<string, string>> variables)
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            json.WriteStartArray("environment");
            foreach (var (name, value) in variables)
            {
                json.WriteStartObject();
                json.WriteString("name", name);
                json.WriteString("value", value);
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray()).Replace("\r\n", "\n", StringComparison.Ordinal);
    }
}
