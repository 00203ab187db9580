// The deferred start of an ASP.NET Core app's metrics: it runs once, on its own thread, when the
// first request has ended or when the fallback time is up, and never once shutdown has begun;
// the watch on ASP.NET Core's listener enables only the request-end events, and only until then.
using System.Collections.Concurrent;
using System.Diagnostics;
using CloudWatchApm.Agent.Pipeline;
using Xunit;

namespace CloudWatchApm.Agent.Tests.Pipeline;

public sealed class DeferredStartTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    private sealed class Work
    {
        internal ConcurrentQueue<(string Why, string? Thread)> Runs { get; } = new();

        internal Action<string> Run => why => Runs.Enqueue((why, Thread.CurrentThread.Name));
    }

    [Fact]
    public async Task Start_RunsTheWorkOnce_OnItsOwnThread()
    {
        var work = new Work();
        var deferred = new DeferredStart("metrics", work.Run);
        Assert.True(deferred.IsWaiting);

        deferred.Start("after the first request");
        deferred.Start("again");
        await deferred.Done.WaitAsync(Wait);

        var run = Assert.Single(work.Runs);
        Assert.Equal("after the first request", run.Why);
        Assert.Equal("cwapm-metrics", run.Thread);
        Assert.False(deferred.IsWaiting);
    }

    [Fact]
    public async Task StartWithin_StartsTheWorkWhenNoRequestComes_AndSaysSo()
    {
        var work = new Work();
        var deferred = new DeferredStart("metrics", work.Run);

        deferred.StartWithin(50);
        await deferred.Done.WaitAsync(Wait);

        Assert.Equal("no request had ended 50 ms after the providers were ready", Assert.Single(work.Runs).Why);
    }

    [Fact]
    public async Task CancelOrWait_BeforeTheStart_MeansItNeverRuns()
    {
        var work = new Work();
        var deferred = new DeferredStart("metrics", work.Run);
        deferred.StartWithin(30);

        deferred.CancelOrWait(1000);
        deferred.Start("after the first request");
        await Task.Delay(200);

        Assert.True(deferred.Done.IsCompleted);
        Assert.Empty(work.Runs);
    }

    [Fact]
    public void CancelOrWait_AfterTheStart_WaitsForTheWorkToFinish()
    {
        using var release = new ManualResetEventSlim();
        var finished = false;
        var deferred = new DeferredStart("metrics", _ =>
        {
            release.Wait(Wait);
            finished = true;
        });

        deferred.Start("after the first request");
        _ = Task.Delay(150).ContinueWith(_ => release.Set(), TaskScheduler.Default);
        deferred.CancelOrWait(10_000);

        Assert.True(finished);
    }

    [Fact]
    public async Task AFailingStart_IsContained_AndStillCompletes()
    {
        var deferred = new DeferredStart("metrics", _ => throw new InvalidOperationException("boom"));

        deferred.Start("after the first request");

        await deferred.Done.WaitAsync(Wait);
        Assert.False(deferred.Done.IsFaulted);
    }

    [Theory]
    [InlineData("Microsoft.AspNetCore.Hosting.EndRequest")]
    [InlineData("Microsoft.AspNetCore.Hosting.UnhandledException")]
    public async Task WatchFirstRequest_StartsWhenARequestEnds_ThenLeavesTheListener(string endEvent)
    {
        using var listener = new DiagnosticListener("Test.DeferredStart." + endEvent);
        var work = new Work();
        var deferred = new DeferredStart("metrics", work.Run);

        StartupGate.WatchFirstRequest(listener, deferred);

        // Only the end events are asked for: ASP.NET Core creates nothing else for the watch.
        Assert.True(listener.IsEnabled(endEvent));
        Assert.False(listener.IsEnabled(StartupGate.RequestActivityName, new object(), null));
        Assert.False(listener.IsEnabled("Microsoft.AspNetCore.Hosting.BeginRequest"));

        listener.Write("Microsoft.AspNetCore.Hosting.BeginRequest", new object());
        Assert.True(deferred.IsWaiting);

        listener.Write(endEvent, new object());
        await deferred.Done.WaitAsync(Wait);

        Assert.Equal("after the first request", Assert.Single(work.Runs).Why);
        Assert.False(listener.IsEnabled(), "the watch should have unsubscribed once the work started");
    }

    [Fact]
    public async Task WatchFirstRequest_AfterTheStart_DoesNotSubscribe()
    {
        using var listener = new DiagnosticListener("Test.DeferredStart.Late");
        var deferred = new DeferredStart("metrics", _ => { });
        deferred.Start("no request had ended");
        await deferred.Done.WaitAsync(Wait);

        StartupGate.WatchFirstRequest(listener, deferred);

        Assert.False(listener.IsEnabled());
    }
}
