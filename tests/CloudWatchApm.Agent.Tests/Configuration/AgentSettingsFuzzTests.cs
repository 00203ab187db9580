// Hundreds of random configurations over every key: reading them never throws, every problem
// names its variable, header values never show up in a problem, and what the pipeline builds
// from the result (exporter options and clients, samplers, propagators, SDK configuration)
// never throws either. The process-level twin is ConfigurationFuzzTests in the integration tests.
using System.Reflection;
using CloudWatchApm.Agent.Configuration;
using CloudWatchApm.Agent.Pipeline;
using CloudWatchApm.Agent.Testing;
using OpenTelemetry.Exporter;
using Xunit;
using Xunit.Abstractions;

namespace CloudWatchApm.Agent.Tests.Configuration;

public sealed class AgentSettingsFuzzTests(ITestOutputHelper output)
{
    private const int Combinations = 500;
    private const string SecretMarker = "SECRETVALUE";

    [Fact]
    public void RandomGarbageInEveryKey_LoadAndPipelineNeverThrow()
    {
        var keys = AllKeys();
        var seed = Environment.GetEnvironmentVariable("CWAPM_FUZZ_SEED") is { Length: > 0 } s ? int.Parse(s, System.Globalization.CultureInfo.InvariantCulture) : Random.Shared.Next();
        output.WriteLine($"seed {seed} (replay with CWAPM_FUZZ_SEED={seed}); {keys.Count} keys");
        var random = new Random(seed);
        for (var i = 0; i < Combinations; i++)
        {
            var values = new Dictionary<string, string?>(StringComparer.Ordinal);
            foreach (var key in keys)
            {
                // Each key set in about half the combinations, so defaults and garbage mix.
                if (random.Next(2) == 0)
                {
                    values[key] = key.EndsWith("_HEADERS", StringComparison.Ordinal) && random.Next(2) == 0
                        ? "x-ok=" + SecretMarker + "," + ConfigurationGarbage.Value(random) + "=" + SecretMarker + ConfigurationGarbage.Value(random)
                        : ConfigurationGarbage.Value(random);
                }
            }

            try
            {
                Check(values);
            }
            catch (Exception ex)
            {
                throw new Xunit.Sdk.XunitException($"seed {seed}, combination {i}: {ex}\n" + string.Join("\n", values.Select(v => v.Key + "=" + v.Value)));
            }
        }
    }

    private static void Check(Dictionary<string, string?> values)
    {
        var environment = new DictionaryEnvironment(values);
        var settings = AgentSettings.Load(environment, "Fuzz");
        foreach (var problem in settings.Problems)
        {
            Assert.True(problem.StartsWith("OTEL_", StringComparison.Ordinal), "a problem must start with the variable it is about: " + problem);
            Assert.DoesNotContain(SecretMarker, problem, StringComparison.Ordinal);
        }

        foreach (var signal in new[] { settings.Traces, settings.Metrics, settings.Logs })
        {
            Assert.True(signal.Endpoint.IsAbsoluteUri);
            Assert.DoesNotContain(SecretMarker, signal.ToString(), StringComparison.Ordinal);
            var options = new OtlpExporterOptions();
            OtlpSetup.Apply(options, signal);
            options.HttpClientFactory().Dispose();
        }

        _ = settings.IsInstrumentationEnabled("TRACES", "ASPNETCORE");
        _ = settings.IsResourceDetectorEnabled("HOST");
        Assert.InRange(settings.SamplerRatio, 0, 1);
        Assert.True(settings.Bsp.MaxExportBatchSize <= settings.Bsp.MaxQueueSize);
        Assert.True(settings.Blrp.MaxExportBatchSize <= settings.Blrp.MaxQueueSize);
        _ = Sampling.Create(settings, xray: null);
        _ = Propagation.Create(settings.Propagators, out _);
        _ = OtlpSetup.BuildSdkConfiguration(settings, environment);
    }

    /// <summary>Every constant of ConfigurationKeys plus the per-signal and per-instrumentation forms.</summary>
    private static List<string> AllKeys()
    {
        var type = typeof(AgentSettings).Assembly.GetType("CloudWatchApm.Agent.Shared.ConfigurationKeys", throwOnError: true)!;
        const BindingFlags Flags = BindingFlags.Static | BindingFlags.NonPublic | BindingFlags.Public;
        var keys = type.GetFields(Flags)
            .Where(f => f.IsLiteral && f.FieldType == typeof(string))
            .Select(f => (string)f.GetRawConstantValue()!)
            .Where(k => !k.EndsWith('_'))
            .ToList();
        string[] Array(string name) => (string[])type.GetField(name, Flags)!.GetValue(null)!;
        foreach (var signal in Array("Signals"))
        {
            keys.AddRange(Array("OtlpSettings").Select(setting => $"OTEL_EXPORTER_OTLP_{signal}_{setting}"));
            keys.Add($"OTEL_DOTNET_AUTO_{signal}_ASPNETCORE_INSTRUMENTATION_ENABLED");
        }

        keys.AddRange(Array("ResourceDetectors").Select(id => $"OTEL_DOTNET_AUTO_{id}_RESOURCE_DETECTOR_ENABLED"));
        return keys.Distinct().ToList();
    }
}
