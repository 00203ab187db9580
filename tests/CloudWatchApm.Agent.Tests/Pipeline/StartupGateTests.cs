// The start-up gate: an early request waits for the providers (bounded, once), on the exact
// DiagnosticListener question ASP.NET Core asks before it looks for ActivitySource listeners,
// and the gate leaves the listener once the providers are ready.
using System.Diagnostics;
using CloudWatchApm.Agent.Pipeline;
using Xunit;

namespace CloudWatchApm.Agent.Tests.Pipeline;

public sealed class StartupGateTests
{
    private static readonly object Request = new();

    [Fact]
    public async Task Gate_WaitsUntilTheProvidersAreReady()
    {
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var gate = new StartupGate.Gate(ready.Task, 30_000);
        var waiting = Task.Run(() => gate.Wait("test"));

        await Task.Delay(100);
        Assert.False(waiting.IsCompleted);
        Assert.False(gate.IsOpen);
        ready.SetResult();
        await waiting.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(gate.IsOpen);
    }

    [Fact]
    public void Gate_OnceAWaitHasGivenUp_NobodyWaitsAgain()
    {
        var stuck = new TaskCompletionSource();
        var gate = new StartupGate.Gate(stuck.Task, 50);

        var first = Stopwatch.StartNew();
        gate.Wait("test");
        Assert.True(first.ElapsedMilliseconds >= 45, $"gave up after {first.ElapsedMilliseconds} ms");
        Assert.True(gate.IsOpen);
        Assert.False(stuck.Task.IsCompleted);
    }

    [Fact]
    public async Task RequestGate_HoldsTheRequestActivityQuestionUntilReady_ThenLeavesTheListener()
    {
        using var listener = new DiagnosticListener("Microsoft.AspNetCore");
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _ = new StartupGate.RequestGate(listener, new StartupGate.Gate(ready.Task, 30_000));
        Assert.True(listener.IsEnabled());

        // The one-argument form (event names ASP.NET Core checks later) never waits.
        var named = await Task.Run(() => listener.IsEnabled(StartupGate.RequestActivityName)).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.False(named);
        Assert.False(await Task.Run(() => listener.IsEnabled("Microsoft.AspNetCore.Hosting.BeginRequest", Request)).WaitAsync(TimeSpan.FromSeconds(10)));

        var asked = Task.Run(() => listener.IsEnabled(StartupGate.RequestActivityName, Request));
        await Task.Delay(100);
        Assert.False(asked.IsCompleted);
        ready.SetResult();
        Assert.False(await asked.WaitAsync(TimeSpan.FromSeconds(10)));

        // The continuation that unsubscribes runs asynchronously: wait for it, bounded.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (listener.IsEnabled() && DateTime.UtcNow < deadline)
        {
            await Task.Delay(10);
        }

        Assert.False(listener.IsEnabled());
    }

    [Fact]
    public void RequestGate_WhenTheProvidersAreAlreadyReady_DoesNotStayOnTheListener()
    {
        using var listener = new DiagnosticListener("Microsoft.AspNetCore");
        _ = new StartupGate.RequestGate(listener, new StartupGate.Gate(Task.CompletedTask, 30_000));
        Assert.False(listener.IsEnabled());
    }
}
