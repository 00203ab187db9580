// The stand-in logger provider an app's host gets: records written before the OpenTelemetry
// provider exists reach it later with the time, trace context and scopes they were written
// with; records written after go straight through; the app's "OpenTelemetry" filter rules
// still apply; nothing it does can throw into the app.
using System.Collections.Concurrent;
using System.Diagnostics;
using CloudWatchApm.Agent.Pipeline;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Logs;
using Xunit;

namespace CloudWatchApm.Agent.Tests.Pipeline;

public sealed class DeferredLoggerProviderTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    private sealed record Seen(string Message, DateTime Timestamp, ActivityTraceId TraceId, ActivitySpanId SpanId, ActivityTraceFlags Flags, string Scopes, string? Thread)
    {
        /// <summary>The record's attributes, "key=value" joined by ",".</summary>
        internal string Attributes { get; init; } = string.Empty;

        /// <summary>The key-value pairs of its scopes, "key=value" joined by ",".</summary>
        internal string ScopePairs { get; init; } = string.Empty;
    }

    /// <summary>What reached the OpenTelemetry provider, as the exporters would see it.</summary>
    private sealed class Recorder : BaseProcessor<LogRecord>
    {
        internal ConcurrentQueue<Seen> Records { get; } = new();

        internal int Flushes { get; private set; }

        public override void OnEnd(LogRecord data)
        {
            var scopes = new List<string>();
            data.ForEachScope((scope, list) => list.Add(scope.Scope?.ToString() ?? "null"), scopes);
            var scopePairs = new List<string>();
            data.ForEachScope(
                (scope, list) =>
                {
                    foreach (var pair in scope)
                    {
                        list.Add(pair.Key + "=" + pair.Value);
                    }
                },
                scopePairs);
            Records.Enqueue(new Seen(data.FormattedMessage ?? string.Empty, data.Timestamp, data.TraceId, data.SpanId, data.TraceFlags, string.Join("/", scopes), Thread.CurrentThread.Name)
            {
                Attributes = string.Join(",", data.Attributes?.Select(p => p.Key + "=" + p.Value) ?? []),
                ScopePairs = string.Join(",", scopePairs),
            });
        }

        protected override bool OnForceFlush(int timeoutMilliseconds)
        {
            Flushes++;
            return true;
        }
    }

    private static (ILoggerFactory Factory, DeferredLoggerProvider Provider) App(Task ready, Recorder recorder, int maxPending = 100, Action<ILoggingBuilder>? configure = null)
    {
        DeferredLoggerProvider? provider = null;
        var factory = LoggerFactory.Create(logging =>
        {
            logging.SetMinimumLevel(LogLevel.Trace);
            configure?.Invoke(logging);
            logging.Services.AddSingleton<ILoggerProvider>(_ => provider = new DeferredLoggerProvider(ready, options =>
            {
                options.IncludeFormattedMessage = true;
                options.IncludeScopes = true;
                options.AddProcessor(recorder);
            }, maxPending));
        });
        return (factory, provider!);
    }

    private static void Record(OpenTelemetryLoggerOptions options, Recorder recorder)
    {
        options.IncludeFormattedMessage = true;
        options.AddProcessor(recorder);
    }

    private static async Task AttachedAsync(DeferredLoggerProvider provider)
    {
        var deadline = DateTime.UtcNow + Wait;
        while (!provider.IsAttached)
        {
            Assert.True(DateTime.UtcNow < deadline, "the OpenTelemetry provider was not built");
            await Task.Delay(10);
        }
    }

    [Fact]
    public async Task RecordsWrittenBeforeReady_ArePassedOnWithTheirOwnTimeTraceAndScopes()
    {
        var ready = new TaskCompletionSource();
        var recorder = new Recorder();
        var (factory, provider) = App(ready.Task, recorder);
        using var _ = factory;
        var logger = factory.CreateLogger("orders");

        using var source = new ActivitySource("deferred-logs-test");
        using var listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name == source.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
        };
        ActivitySource.AddActivityListener(listener);

        DateTime written;
        ActivityContext context;
        using (var activity = source.StartActivity("work")!)
        using (logger.BeginScope("order 42"))
        {
            context = activity.Context;
            written = DateTime.UtcNow;
            logger.LogInformation("early {Id}", 42);
        }

        await Task.Delay(50);
        Assert.Empty(recorder.Records);
        Assert.False(provider.IsAttached);

        ready.SetResult();
        await AttachedAsync(provider);
        logger.LogWarning("late");

        var records = recorder.Records.ToArray();
        Assert.Equal(["early 42", "late"], records.Select(r => r.Message));
        var early = records[0];
        Assert.InRange(early.Timestamp, written.AddMilliseconds(-5), written.AddMilliseconds(5));
        Assert.Equal(context.TraceId, early.TraceId);
        Assert.Equal(context.SpanId, early.SpanId);
        Assert.Equal(ActivityTraceFlags.Recorded, early.Flags);
        Assert.Equal("order 42", early.Scopes);

        // Written directly, on this thread, outside any activity or scope.
        var late = records[1];
        Assert.True(late.Timestamp > written.AddMilliseconds(40));
        Assert.Equal(default, late.TraceId);
        Assert.Equal(string.Empty, late.Scopes);
        Assert.Equal(0, provider.Dropped);
    }

    [Fact]
    public async Task RecordWrittenBeforeReady_WhoseStateAndScopeThrowOnceItsRequestEnded_ArrivesAsWritten()
    {
        // ASP.NET Core's request records and its request scope read the request lazily; once the
        // request has ended they throw. A record kept for later must not depend on them.
        var ready = new TaskCompletionSource();
        var recorder = new Recorder();
        var (factory, provider) = App(ready.Task, recorder);
        using var _ = factory;
        var logger = factory.CreateLogger("Microsoft.AspNetCore.Hosting.Diagnostics");

        var request = new FakeRequest("/orders/7");
        using (logger.BeginScope(new RequestScope(request)))
        {
            logger.Log(LogLevel.Information, new EventId(1), new RequestStartingLog(request), null, static (state, _) => state.ToString());
        }

        request.End();
        Assert.Throws<ObjectDisposedException>(() => new RequestStartingLog(request).ToString());
        ready.SetResult();
        await AttachedAsync(provider);

        var record = Assert.Single(recorder.Records);
        Assert.Equal("Request starting GET /orders/7", record.Message);
        Assert.Equal("Path=/orders/7,{OriginalFormat}=Request starting GET {Path}", record.Attributes);
        Assert.Equal("request /orders/7", record.Scopes);
        Assert.Equal("RequestPath=/orders/7", record.ScopePairs);
        Assert.Equal(0, provider.Dropped);
    }

    /// <summary>Stands in for an HTTP request whose features are gone once it has ended.</summary>
    private sealed class FakeRequest(string path)
    {
        private bool _ended;

        internal string Path => _ended ? throw new ObjectDisposedException("IFeatureCollection") : path;

        internal void End() => _ended = true;
    }

    /// <summary>Reads the request when enumerated or formatted, like ASP.NET Core's request-starting record.</summary>
    private sealed class RequestStartingLog(FakeRequest request) : IReadOnlyList<KeyValuePair<string, object?>>
    {
        public int Count => 2;

        public KeyValuePair<string, object?> this[int index] => index == 0 ? new("Path", request.Path) : new("{OriginalFormat}", "Request starting GET {Path}");

        public IEnumerator<KeyValuePair<string, object?>> GetEnumerator()
        {
            yield return this[0];
            yield return this[1];
        }

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();

        public override string ToString() => "Request starting GET " + request.Path;
    }

    /// <summary>Reads the request when enumerated or formatted, like ASP.NET Core's hosting log scope.</summary>
    private sealed class RequestScope(FakeRequest request) : IReadOnlyList<KeyValuePair<string, object?>>
    {
        public int Count => 1;

        public KeyValuePair<string, object?> this[int index] => new("RequestPath", request.Path);

        public IEnumerator<KeyValuePair<string, object?>> GetEnumerator()
        {
            yield return this[0];
        }

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();

        public override string ToString() => "request " + request.Path;
    }

    [Fact]
    public async Task MoreRecordsThanTheLimitBeforeReady_TheRestAreCountedAndDropped()
    {
        var ready = new TaskCompletionSource();
        var recorder = new Recorder();
        var (factory, provider) = App(ready.Task, recorder, maxPending: 3);
        using var _ = factory;
        var logger = factory.CreateLogger("busy");
        var formatted = 0;
        for (var i = 0; i < 5; i++)
        {
            logger.Log(LogLevel.Information, default, i, null, (n, _) =>
            {
                Interlocked.Increment(ref formatted);
                return "record " + n;
            });
        }

        // A record that is dropped is not formatted (copying a kept one is).
        Assert.Equal(3, formatted);
        ready.SetResult();
        await AttachedAsync(provider);

        Assert.Equal(["record 0", "record 1", "record 2"], recorder.Records.Select(r => r.Message));
        Assert.Equal(2, provider.Dropped);
    }

    [Fact]
    public async Task AppFilterForTheOpenTelemetryAlias_StillApplies()
    {
        var recorder = new Recorder();
        var (factory, provider) = App(Task.CompletedTask, recorder, configure: logging =>
            logging.AddFilter((providerName, category, level) => providerName != typeof(DeferredLoggerProvider).FullName || level >= LogLevel.Warning)
                .Services.Configure<LoggerFilterOptions>(o => o.Rules.Add(new LoggerFilterRule("OpenTelemetry", "noisy", LogLevel.Error, null))));
        using var _ = factory;
        await AttachedAsync(provider);

        factory.CreateLogger("noisy").LogWarning("filtered by the alias rule");
        factory.CreateLogger("noisy").LogError("kept");
        factory.CreateLogger("other").LogInformation("filtered by the provider's type name");
        factory.CreateLogger("other").LogWarning("kept too");

        Assert.Equal(["kept", "kept too"], recorder.Records.Select(r => r.Message));
    }

    [Fact]
    public async Task DisposedBeforeReady_BuildsNothingAndDropsWhatWaited()
    {
        var ready = new TaskCompletionSource();
        var configured = 0;
        var provider = new DeferredLoggerProvider(ready.Task, _ => Interlocked.Increment(ref configured), 10);
        provider.CreateLogger("gone").LogInformation("never exported");

        provider.Dispose();
        ready.SetResult();
        await Task.Delay(200);

        Assert.Equal(0, Volatile.Read(ref configured));
        Assert.False(provider.IsAttached);
        provider.CreateLogger("gone").LogInformation("after dispose");
    }

    [Fact]
    public void DisposedWhileRecordsWaitForTheStart_AsksForItAndExportsThem()
    {
        // An ASP.NET Core app that stops before its first request: the host disposes the
        // provider, which asks for the deferred start and exports what it kept.
        var ready = new TaskCompletionSource();
        var asked = 0;
        var recorder = new Recorder();
        var provider = new DeferredLoggerProvider(ready.Task, options => Record(options, recorder), 10, () =>
        {
            Interlocked.Increment(ref asked);
            ready.TrySetResult();
        });
        provider.CreateLogger("app").LogInformation("started, then stopped at once");
        Assert.Empty(recorder.Records);

        provider.Dispose();

        Assert.Equal(1, Volatile.Read(ref asked));
        Assert.Equal("started, then stopped at once", Assert.Single(recorder.Records).Message);
        provider.CreateLogger("app").LogInformation("after dispose");
        Assert.Single(recorder.Records);
    }

    [Fact]
    public void DisposedWithNothingWaiting_DoesNotAskForTheStart()
    {
        var asked = 0;
        var provider = new DeferredLoggerProvider(new TaskCompletionSource().Task, _ => { }, 10, () => Interlocked.Increment(ref asked));

        provider.Dispose();

        Assert.Equal(0, Volatile.Read(ref asked));
        Assert.False(provider.IsAttached);
    }

    [Fact]
    public void ForceFlushWhileRecordsWait_AsksForTheStartThenFlushes()
    {
        // SIGINT and the agent's shutdown flush: the kept records must not wait for a request.
        var ready = new TaskCompletionSource();
        var recorder = new Recorder();
        var provider = new DeferredLoggerProvider(ready.Task, options => Record(options, recorder), 10, () => ready.TrySetResult());
        provider.CreateLogger("app").LogWarning("kept");

        Assert.True(provider.ForceFlush(5000));

        Assert.True(provider.IsAttached);
        Assert.Equal("kept", Assert.Single(recorder.Records).Message);
        Assert.Equal(1, recorder.Flushes);
        provider.Dispose();
    }

    [Fact]
    public async Task ProviderCannotBeBuilt_LoggingGoesOnSilently()
    {
        var provider = new DeferredLoggerProvider(Task.CompletedTask, _ => throw new InvalidOperationException("exporter failed"), 10);
        await Task.Delay(200);

        // Nothing is kept any more: the app is told so, and a record is not even formatted.
        var logger = provider.CreateLogger("app");
        Assert.False(logger.IsEnabled(LogLevel.Information));
        var formatted = 0;
        logger.Log(LogLevel.Information, default, "dropped", null, (text, _) =>
        {
            formatted++;
            return text;
        });
        Assert.Equal(0, formatted);
        Assert.False(provider.IsAttached);
        Assert.False(provider.ForceFlush(100));
        provider.Dispose();
    }

    [Fact]
    public async Task ForceFlush_ReachesTheProcessorsOnceBuilt()
    {
        var ready = new TaskCompletionSource();
        var recorder = new Recorder();
        var (factory, provider) = App(ready.Task, recorder);
        using var _ = factory;
        Assert.False(provider.ForceFlush(100));

        ready.SetResult();
        await AttachedAsync(provider);

        Assert.True(provider.ForceFlush(1000));
        Assert.Equal(1, recorder.Flushes);
    }
}
