// Registers the instrumentations that are switched on, by ID, into the providers. Libraries
// that publish an ActivitySource or Meter cost nothing until the app loads and uses them; the
// ones that need the agent's own code (EF Core, StackExchange.Redis, SqlClient) are only wired
// when the app ships the library, each behind its own NoInlining method so their code and
// dependencies are not even loaded otherwise. Every step is guarded: one instrumentation that
// fails to register is logged and left out, the others and the app carry on.
using System.Data.Common;
using System.Runtime.CompilerServices;
using CloudWatchApm.Agent.Configuration;
using CloudWatchApm.Agent.Diagnostics;
using CloudWatchApm.Agent.Pipeline;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace CloudWatchApm.Agent.Instrumentation;

internal static class InstrumentationRegistry
{
    private const string Traces = "TRACES";
    private const string Metrics = "METRICS";

    private static EntityFrameworkCoreInstrumentation? _entityFrameworkCore;
    private static int _versionWatch;

    /// <summary>Adds the trace instrumentations; returns the IDs that were enabled.</summary>
    internal static List<string> AddTracing(TracerProviderBuilder builder, AgentSettings s, AgentContext context)
    {
        var ids = new List<string>();
        if (s.IsInstrumentationEnabled(Traces, InstrumentationCatalog.AspNetCore) && context.AppHas("Microsoft.AspNetCore.Hosting"))
        {
            Guard(InstrumentationCatalog.AspNetCore, ids, () => AddAspNetCore(builder, s));
        }

        if (s.IsInstrumentationEnabled(Traces, InstrumentationCatalog.HttpClient))
        {
            Guard(InstrumentationCatalog.HttpClient, ids, () => builder.AddHttpClientInstrumentation(o => o.RecordException = true));
        }

        foreach (var library in InstrumentationCatalog.Libraries)
        {
            if (!s.IsInstrumentationEnabled(Traces, library.Id))
            {
                continue;
            }

            switch (library.Id)
            {
                case InstrumentationCatalog.SqlClient:
                    if (context.AppHas("Microsoft.Data.SqlClient") || context.AppHas("System.Data.SqlClient"))
                    {
                        Guard(library.Id, ids, () => AddSqlClient(builder));
                    }

                    break;
                case InstrumentationCatalog.EntityFrameworkCore:
                    if (context.AppHas(library.Assembly))
                    {
                        Guard(library.Id, ids, () => AddEntityFrameworkCore(builder, s));
                    }

                    break;
                case InstrumentationCatalog.StackExchangeRedis:
                    if (context.AppHas(library.Assembly))
                    {
                        Guard(library.Id, ids, () => AddStackExchangeRedis(builder));
                    }

                    break;
                default:
                    // The library's own ActivitySource: nothing runs until the library creates it.
                    builder.AddSource(library.Sources);
                    if (context.AppHas(library.Assembly))
                    {
                        ids.Add(library.Id);
                    }

                    break;
            }
        }

        var processor = new LibrarySpanProcessor(ids);
        if (!processor.IsEmpty)
        {
            builder.AddProcessor(processor);
        }

        WatchVersions(context);

        if (s.AdditionalTraceSources.Count > 0)
        {
            // ActivitySource name matching in the SDK supports '*' wildcards.
            builder.AddSource([.. s.AdditionalTraceSources]);
        }

        return ids;
    }

    /// <summary>Adds the metric instrumentations; returns the IDs that were enabled.</summary>
    internal static List<string> AddMetrics(MeterProviderBuilder builder, AgentSettings s, AgentContext context)
    {
        var ids = new List<string>();
        foreach (var (id, meters) in InstrumentationCatalog.MetricMeters)
        {
            if (s.IsInstrumentationEnabled(Metrics, id))
            {
                builder.AddMeter(meters);
                ids.Add(id);
            }
        }

        if (s.IsInstrumentationEnabled(Metrics, InstrumentationCatalog.SqlClient) && (context.AppHas("Microsoft.Data.SqlClient") || context.AppHas("System.Data.SqlClient")))
        {
            Guard(InstrumentationCatalog.SqlClient, ids, () => AddSqlClientMetrics(builder));
        }

        if (s.IsInstrumentationEnabled(Metrics, InstrumentationCatalog.NetRuntime))
        {
            builder.AddRuntimeInstrumentation();
            ids.Add(InstrumentationCatalog.NetRuntime);
        }

        if (s.IsInstrumentationEnabled(Metrics, InstrumentationCatalog.Process))
        {
            builder.AddMeter(ProcessMetrics.MeterName);
            ProcessMetrics.EnsureCreated();
            ids.Add(InstrumentationCatalog.Process);
        }

        if (s.AdditionalMeterSources.Count > 0)
        {
            builder.AddMeter([.. s.AdditionalMeterSources]);
        }

        return ids;
    }

    private static void Guard(string id, List<string> ids, Action add)
    {
        try
        {
            add();
            ids.Add(id);
        }
        catch (Exception ex)
        {
            AgentLog.Error("instrumentation " + id + " could not be registered and is left out", ex);
        }
    }

    /// <summary>
    /// Logs, once, a loaded library whose version the agent does not know. The libraries that
    /// publish their own spans keep doing so; the agent's code-based ones check again and skip.
    /// </summary>
    private static void WatchVersions(AgentContext context)
    {
        var any = false;
        foreach (var (assembly, _, _, _) in InstrumentationCatalog.KnownVersions)
        {
            any |= context.AppHas(assembly);
        }

        if (!any || Interlocked.Exchange(ref _versionWatch, 1) == 1)
        {
            return;
        }

        AppDomain.CurrentDomain.AssemblyLoad += static (_, e) =>
        {
            try
            {
                var name = e.LoadedAssembly.GetName().Name;
                foreach (var (assembly, id, _, _) in InstrumentationCatalog.KnownVersions)
                {
                    if (string.Equals(assembly, name, StringComparison.Ordinal))
                    {
                        _ = InstrumentationGuard.IsKnownVersion(id, e.LoadedAssembly);
                    }
                }
            }
            catch (Exception ex)
            {
                AgentLog.Debug("library version check skipped: " + ex.Message);
            }
        };
    }

    /// <summary>Separate method so the ASP.NET Core assembly is only loaded when it is used.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void AddAspNetCore(TracerProviderBuilder builder, AgentSettings s)
        => AspNetCore.AspNetCoreSetup.AddTracing(builder, s.CaptureRequestHeaders, s.CaptureResponseHeaders);

    /// <summary>
    /// OpenTelemetry.Instrumentation.SqlClient listens to SqlClient's DiagnosticListener; the
    /// statement it records is replaced by the agent's sanitised form.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void AddSqlClient(TracerProviderBuilder builder)
        => builder.AddSqlClientInstrumentation(o =>
        {
            o.RecordException = true;
            o.EnrichWithSqlCommand = static (activity, command) =>
            {
                if (command is DbCommand c && activity.IsAllDataRequested)
                {
                    activity.SetTag("db.query.text", SqlSanitizer.Sanitize(c.CommandText));
                }
            };
        });

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void AddSqlClientMetrics(MeterProviderBuilder builder) => builder.AddSqlClientInstrumentation();

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void AddEntityFrameworkCore(TracerProviderBuilder builder, AgentSettings s)
    {
        // Providers whose own client span nests under the EF span (which then is INTERNAL).
        var ownSpans = new HashSet<string>(StringComparer.Ordinal);
        if (s.IsInstrumentationEnabled(Traces, InstrumentationCatalog.Npgsql))
        {
            ownSpans.Add("Npgsql");
        }

        if (s.IsInstrumentationEnabled(Traces, InstrumentationCatalog.MySqlConnector))
        {
            ownSpans.Add("MySqlConnector");
        }

        if (s.IsInstrumentationEnabled(Traces, InstrumentationCatalog.SqlClient))
        {
            ownSpans.Add("Microsoft.Data.SqlClient");
        }

        builder.AddSource(InstrumentationCatalog.EntityFrameworkCoreSource);
        _entityFrameworkCore ??= EntityFrameworkCoreInstrumentation.Start(ownSpans);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void AddStackExchangeRedis(TracerProviderBuilder builder)
    {
        builder.AddSource(InstrumentationCatalog.StackExchangeRedisSource);
        builder.AddProcessor(StackExchangeRedisInstrumentation.Current ?? StackExchangeRedisInstrumentation.Start());
    }
}
