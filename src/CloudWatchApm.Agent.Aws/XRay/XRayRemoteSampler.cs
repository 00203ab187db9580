// Sampler driven by the X-Ray sampling rules of the account, fetched from the X-Ray daemon or
// the collector's awsproxy (OTEL_TRACES_SAMPLER=xray, argument "endpoint=...,polling_interval=...").
//
// * Rules are fetched at start and every polling interval (default 300 s, plus up to 5 s
//   jitter so a fleet started together does not poll together); statistics go to
//   SamplingTargets every 10 s and bring back per-rule quotas (see XRayRuleState).
// * ShouldSample never waits on the network: it reads the last snapshot. Without rules, or
//   with rules whose last good fetch is over an hour old, it samples 1/s plus 5%.
// * It is a root sampler: wrap it in XRayParentBasedSampler so that parents' decisions,
//   including X-Ray's "Sampled=?", are honoured.
// * Nothing here throws into the caller; failed polls are counted, reported once through the
//   warning callback when they start failing and again when they recover.
using System.Security.Cryptography;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace CloudWatchApm.Agent.Aws.XRay;

internal sealed class XRayRemoteSampler : Sampler, IDisposable
{
    internal static readonly TimeSpan TargetsInterval = TimeSpan.FromSeconds(10);
    internal static readonly TimeSpan RulesTimeToLive = TimeSpan.FromHours(1);
    internal static readonly TimeSpan DefaultRequestTimeout = TimeSpan.FromSeconds(10);

    private static readonly TimeSpan RulesJitter = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan TargetsJitter = TimeSpan.FromMilliseconds(100);

    private readonly XRayRemoteSamplerOptions _options;
    private readonly XRaySamplerResource _resource;
    private readonly Action<string>? _warn;
    private readonly XRayClock _clock;
    private readonly TimeSpan _requestTimeout;
    private readonly XRaySamplingClient _client;
    private readonly XRayFallbackSampler _fallback = new();
    private readonly CancellationTokenSource _disposing = new();
    private readonly HashSet<string> _reportedRuleWarnings = new(StringComparer.Ordinal);
    private readonly string _endpointForLogs;
    private readonly Timer? _rulesTimer;
    private readonly Timer? _targetsTimer;

    private volatile RuleSnapshot? _snapshot;
    private int _rulesBusy;
    private int _targetsBusy;
    private int _disposed;
    private int _rulesFailureStreak;
    private int _targetsFailureStreak;
    private long _rulesFailures;
    private long _targetsFailures;
    private long _unprocessedStatistics;

    /// <summary>Production constructor: polls <see cref="XRayRemoteSamplerOptions.Endpoint"/> on background timers.</summary>
    /// <param name="resource">The process resource: service.name, cloud.platform and the resource ARN select rules.</param>
    /// <param name="warn">Receives operator-facing warnings (the caller writes them to the agent log).</param>
    internal XRayRemoteSampler(XRayRemoteSamplerOptions options, Resource? resource, Action<string>? warn)
        : this(options, XRaySamplerResource.FromResource(resource), warn, httpClient: null, XRayClock.Default, startPolling: true, DefaultRequestTimeout)
    {
    }

    /// <summary>Test constructor: every seam explicit; with startPolling false nothing runs until a test calls the poll methods.</summary>
    internal XRayRemoteSampler(
        XRayRemoteSamplerOptions options,
        XRaySamplerResource resource,
        Action<string>? warn,
        HttpClient? httpClient,
        XRayClock clock,
        bool startPolling,
        TimeSpan requestTimeout)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _resource = resource ?? XRaySamplerResource.Empty;
        _warn = warn;
        _clock = clock ?? XRayClock.Default;
        _requestTimeout = requestTimeout;
        _client = new XRaySamplingClient(options.Endpoint, httpClient);
        _endpointForLogs = options.Endpoint.GetComponents(UriComponents.SchemeAndServer | UriComponents.Path, UriFormat.UriEscaped);
        ClientId = RandomNumberGenerator.GetHexString(24, lowercase: true);
        Description = "XRayRemoteSampler{" + _endpointForLogs + "}";

        if (startPolling)
        {
            // Timers must not capture the constructing thread's context (an Activity, a
            // suppression scope, a culture): the polls belong to no request.
            var restoreFlow = !ExecutionContext.IsFlowSuppressed();
            var flow = restoreFlow ? ExecutionContext.SuppressFlow() : default;
            try
            {
                _rulesTimer = new Timer(static state => ((XRayRemoteSampler)state!).OnRulesTimer(), this, TimeSpan.Zero, Timeout.InfiniteTimeSpan);
                _targetsTimer = new Timer(static state => ((XRayRemoteSampler)state!).OnTargetsTimer(), this, WithJitter(TargetsInterval, TargetsJitter), Timeout.InfiniteTimeSpan);
            }
            finally
            {
                if (restoreFlow)
                {
                    flow.Undo();
                }
            }
        }
    }

    /// <summary>
    /// What the agent calls for OTEL_TRACES_SAMPLER=xray: parses the sampler argument, passes
    /// every parse problem to <paramref name="warn"/>, and starts polling. Wrap the result in
    /// XRayParentBasedSampler; the TracerProvider disposes it (and so stops the timers).
    /// </summary>
    internal static XRayRemoteSampler Create(string? samplerArgument, Resource? resource, Action<string>? warn)
    {
        var warnings = new List<string>();
        var options = XRayRemoteSamplerOptions.Parse(samplerArgument, warnings);
        foreach (var warning in warnings)
        {
            try
            {
                warn?.Invoke(warning);
            }
            catch (Exception)
            {
                // A broken log sink must not stop sampling.
            }
        }

        return new XRayRemoteSampler(options, resource, warn);
    }

    /// <summary>The 24-hex client id X-Ray uses to split quota between instances.</summary>
    internal string ClientId { get; }

    /// <summary>True while decisions come from the fallback (no rules yet, or rules older than an hour).</summary>
    internal bool IsUsingFallback => IsExpired(_snapshot, _clock.UtcNow);

    internal long RulesFailures => Interlocked.Read(ref _rulesFailures);

    internal long TargetsFailures => Interlocked.Read(ref _targetsFailures);

    internal long UnprocessedStatisticsCount => Interlocked.Read(ref _unprocessedStatistics);

    /// <summary>The rules in the order they are tried (tests and the doctor).</summary>
    internal IReadOnlyList<XRaySamplingRule> ActiveRules
    {
        get
        {
            var snapshot = _snapshot;
            if (snapshot is null)
            {
                return [];
            }

            var rules = new XRaySamplingRule[snapshot.States.Length];
            for (var i = 0; i < rules.Length; i++)
            {
                rules[i] = snapshot.States[i].Rule;
            }

            return rules;
        }
    }

    public override SamplingResult ShouldSample(in SamplingParameters samplingParameters)
    {
        try
        {
            var now = _clock.UtcNow;
            var snapshot = _snapshot;
            if (snapshot is null || IsExpired(snapshot, now))
            {
                return new SamplingResult(_fallback.Sample(samplingParameters.TraceId, now));
            }

            var tags = samplingParameters.Tags;
            var facts = XRaySpanFacts.From(tags);
            var states = snapshot.States;
            for (var i = 0; i < states.Length; i++)
            {
                if (states[i].Rule.MatchesSpan(facts, tags))
                {
                    return new SamplingResult(states[i].Sample(samplingParameters.TraceId, now));
                }
            }

            // X-Ray always has a catch-all "Default" rule; this covers a proxy that filters it out.
            return new SamplingResult(_fallback.Sample(samplingParameters.TraceId, now));
        }
        catch (Exception)
        {
            return new SamplingResult(SamplingDecision.Drop);
        }
    }

    /// <summary>One GetSamplingRules round (all pages). Never throws; skipped if one is already running.</summary>
    internal async Task RefreshRulesAsync()
    {
        if (Volatile.Read(ref _disposed) != 0 || Interlocked.Exchange(ref _rulesBusy, 1) != 0)
        {
            return;
        }

        try
        {
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(_disposing.Token);
            deadline.CancelAfter(_requestTimeout);
            var warnings = new List<string>();
            var rules = await _client.GetSamplingRulesAsync(warnings, deadline.Token).ConfigureAwait(false);
            ApplyRules(rules, _clock.UtcNow);
            ReportRuleWarnings(warnings);
            Recovered(ref _rulesFailureStreak, "GetSamplingRules");
        }
        catch (Exception exception)
        {
            Failed(ref _rulesFailureStreak, ref _rulesFailures, "GetSamplingRules", exception);
        }
        finally
        {
            Volatile.Write(ref _rulesBusy, 0);
        }
    }

    /// <summary>One SamplingTargets round: reports counts, applies the targets. Never throws.</summary>
    internal async Task ReportStatisticsAsync()
    {
        if (Volatile.Read(ref _disposed) != 0 || Interlocked.Exchange(ref _targetsBusy, 1) != 0)
        {
            return;
        }

        var refreshRules = false;
        try
        {
            var snapshot = _snapshot;
            var now = _clock.UtcNow;
            if (snapshot is null || snapshot.States.Length == 0)
            {
                return;
            }

            var statistics = new List<XRaySamplingStatistics>(snapshot.States.Length);
            foreach (var state in snapshot.States)
            {
                if (state.IsReportDue(now))
                {
                    statistics.Add(state.TakeStatistics());
                }
            }

            if (statistics.Count == 0)
            {
                return;
            }

            XRayTargetsResponse response;
            try
            {
                using var deadline = CancellationTokenSource.CreateLinkedTokenSource(_disposing.Token);
                deadline.CancelAfter(_requestTimeout);
                response = await _client.GetSamplingTargetsAsync(ClientId, now, statistics, deadline.Token).ConfigureAwait(false);
            }
            catch (Exception)
            {
                // Unsent counts go back to their rules so the next report still carries them.
                foreach (var item in statistics)
                {
                    snapshot.Find(item.RuleName)?.AddStatistics(item);
                }

                throw;
            }

            var appliedAt = _clock.UtcNow;
            foreach (var target in response.Targets)
            {
                snapshot.Find(target.RuleName)?.ApplyTarget(target, appliedAt);
            }

            foreach (var item in response.Unprocessed)
            {
                Interlocked.Increment(ref _unprocessedStatistics);
                Warn($"X-Ray did not accept the sampling statistics of rule '{item.RuleName}': {item.ErrorCode} {item.Message}");
            }

            refreshRules = response.LastRuleModification is { } modified && modified > snapshot.FetchedAt;
            Recovered(ref _targetsFailureStreak, "SamplingTargets");
        }
        catch (Exception exception)
        {
            Failed(ref _targetsFailureStreak, ref _targetsFailures, "SamplingTargets", exception);
        }
        finally
        {
            Volatile.Write(ref _targetsBusy, 0);
        }

        if (refreshRules)
        {
            // The rules changed after our copy was fetched: no need to wait for the next poll.
            await RefreshRulesAsync().ConfigureAwait(false);
        }
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        try
        {
            _rulesTimer?.Dispose();
            _targetsTimer?.Dispose();
            _disposing.Cancel();
            _client.Dispose();
            _disposing.Dispose();
        }
        catch (Exception)
        {
            // Shutdown must go on.
        }
    }

    internal void ApplyRules(IReadOnlyList<XRaySamplingRule> rules, DateTimeOffset fetchedAt)
    {
        var previous = _snapshot;
        var states = new List<XRayRuleState>(rules.Count);
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var rule in rules)
        {
            // Resource fields never change in this process: rules for other services are dropped here, once.
            if (!names.Add(rule.RuleName) || !rule.MatchesResource(_resource))
            {
                continue;
            }

            var old = previous?.Find(rule.RuleName);
            if (old is not null && old.Rule.HasSameDefinition(rule))
            {
                states.Add(old);
                continue;
            }

            var state = new XRayRuleState(rule);
            if (old is not null)
            {
                state.AddStatistics(old.TakeStatistics());
            }

            states.Add(state);
        }

        states.Sort(static (x, y) => XRaySamplingRule.Compare(x.Rule, y.Rule));
        _snapshot = new RuleSnapshot(states.ToArray(), fetchedAt);
    }

    private static bool IsExpired(RuleSnapshot? snapshot, DateTimeOffset now)
        => snapshot is null || now - snapshot.FetchedAt > RulesTimeToLive;

    private static TimeSpan WithJitter(TimeSpan interval, TimeSpan jitter)
        => interval + (jitter * Random.Shared.NextDouble());

    private void OnRulesTimer() => _ = RunRulesAsync();

    private void OnTargetsTimer() => _ = RunTargetsAsync();

    private async Task RunRulesAsync()
    {
        await RefreshRulesAsync().ConfigureAwait(false);
        Reschedule(_rulesTimer, WithJitter(_options.PollingInterval, RulesJitter));
    }

    private async Task RunTargetsAsync()
    {
        await ReportStatisticsAsync().ConfigureAwait(false);
        Reschedule(_targetsTimer, WithJitter(TargetsInterval, TargetsJitter));
    }

    // One-shot timers re-armed after each round: a slow endpoint delays the next poll
    // instead of piling up concurrent ones.
    private void Reschedule(Timer? timer, TimeSpan dueTime)
    {
        if (timer is null || Volatile.Read(ref _disposed) != 0)
        {
            return;
        }

        try
        {
            timer.Change(dueTime, Timeout.InfiniteTimeSpan);
        }
        catch (ObjectDisposedException)
        {
            // Disposed between the check and the call.
        }
    }

    private void ReportRuleWarnings(List<string> warnings)
    {
        foreach (var warning in warnings)
        {
            // The same bad rule comes back every poll; say it once.
            bool isNew;
            lock (_reportedRuleWarnings)
            {
                isNew = _reportedRuleWarnings.Add(warning);
            }

            if (isNew)
            {
                Warn(warning);
            }
        }
    }

    private void Failed(ref int streak, ref long total, string operation, Exception exception)
    {
        if (Volatile.Read(ref _disposed) != 0)
        {
            return;
        }

        Interlocked.Increment(ref total);
        if (Interlocked.Increment(ref streak) == 1)
        {
            var reason = exception is OperationCanceledException
                ? $"no answer within {_requestTimeout.TotalSeconds:0.#} s"
                : exception.GetType().Name + ": " + exception.Message;
            var consequence = IsUsingFallback ? "sampling 1 request per second plus 5% until rules arrive" : "keeping the current rules";
            Warn($"X-Ray sampling: {operation} at {_endpointForLogs} failed ({reason}); {consequence}. Retrying quietly.");
        }
    }

    private void Recovered(ref int streak, string operation)
    {
        var failures = Interlocked.Exchange(ref streak, 0);
        if (failures > 0)
        {
            Warn($"X-Ray sampling: {operation} at {_endpointForLogs} works again after {failures} failed attempt(s).");
        }
    }

    private void Warn(string message)
    {
        try
        {
            _warn?.Invoke(message);
        }
        catch (Exception)
        {
            // A broken log sink must not stop sampling.
        }
    }

    private sealed class RuleSnapshot
    {
        internal RuleSnapshot(XRayRuleState[] states, DateTimeOffset fetchedAt)
        {
            States = states;
            FetchedAt = fetchedAt;
        }

        internal XRayRuleState[] States { get; }

        internal DateTimeOffset FetchedAt { get; }

        internal XRayRuleState? Find(string ruleName)
        {
            foreach (var state in States)
            {
                if (state.Rule.RuleName == ruleName)
                {
                    return state;
                }
            }

            return null;
        }
    }
}
