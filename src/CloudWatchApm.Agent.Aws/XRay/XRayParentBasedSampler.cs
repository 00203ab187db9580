// ParentBasedSampler that understands X-Ray's "Sampled=?": a remote parent extracted from an
// X-Amzn-Trace-Id header that left the decision to us goes to the root sampler instead of
// being dropped for its unset Recorded flag (see XRayPropagator). Every other parent is
// handled exactly as ParentBasedSampler(root) handles it.
// Disposable so that TracerProvider, which disposes its sampler, also stops the polling
// timers of an XRayRemoteSampler root.
using OpenTelemetry.Trace;

namespace CloudWatchApm.Agent.Aws.XRay;

internal sealed class XRayParentBasedSampler : Sampler, IDisposable
{
    private readonly Sampler _root;
    private readonly ParentBasedSampler _parentBased;

    internal XRayParentBasedSampler(Sampler rootSampler)
    {
        ArgumentNullException.ThrowIfNull(rootSampler);
        _root = rootSampler;
        _parentBased = new ParentBasedSampler(rootSampler);
        Description = "XRayParentBased{" + rootSampler.Description + "}";
    }

    public void Dispose() => (_root as IDisposable)?.Dispose();

    public override SamplingResult ShouldSample(in SamplingParameters samplingParameters)
    {
        var parent = samplingParameters.ParentContext;
        if (parent.TraceId == default || !XRayPropagator.IsUndecided(parent))
        {
            return _parentBased.ShouldSample(samplingParameters);
        }

        var result = _root.ShouldSample(samplingParameters);

        // The span keeps Lineage and friends but not the marker: its children have a decided parent.
        var traceState = XRayPropagator.RemoveUndecidedMarker(result.TraceStateString ?? parent.TraceState);
        return new SamplingResult(result.Decision, result.Attributes, traceState);
    }
}
