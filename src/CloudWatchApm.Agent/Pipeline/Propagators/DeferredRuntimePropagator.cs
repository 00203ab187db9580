// The runtime's propagator from the agent's start on. ASP.NET Core copies
// DistributedContextPropagator.Current into its services when the host builder is created, so
// something of the agent's must be current before the app's Main; building the configured
// propagators there would load OpenTelemetry on the app's start-up path. This stand-in names no
// OpenTelemetry type: it forwards to the runtime's own propagator until the agent's adapter is
// built with the providers (in the background for an ASP.NET Core app, before Main for others),
// then to the adapter. Requests that arrive before that wait for the providers (StartupGate), so
// they are propagated the configured way.
using System.Diagnostics;

namespace CloudWatchApm.Agent.Pipeline.Propagators;

internal sealed class DeferredRuntimePropagator(DistributedContextPropagator initial) : DistributedContextPropagator
{
    private volatile DistributedContextPropagator _inner = initial;

    /// <summary>Makes this the runtime's propagator, forwarding to the one that was current.</summary>
    internal static DeferredRuntimePropagator Install()
    {
        var deferred = new DeferredRuntimePropagator(Current);
        Current = deferred;
        return deferred;
    }

    internal DistributedContextPropagator Inner
    {
        get => _inner;
        set => _inner = value;
    }

    public override IReadOnlyCollection<string> Fields => _inner.Fields;

    public override void Inject(Activity? activity, object? carrier, PropagatorSetterCallback? setter)
        => _inner.Inject(activity, carrier, setter);

    public override void ExtractTraceIdAndState(object? carrier, PropagatorGetterCallback? getter, out string? traceId, out string? traceState)
        => _inner.ExtractTraceIdAndState(carrier, getter, out traceId, out traceState);

    public override IEnumerable<KeyValuePair<string, string?>>? ExtractBaggage(object? carrier, PropagatorGetterCallback? getter)
        => _inner.ExtractBaggage(carrier, getter);
}
