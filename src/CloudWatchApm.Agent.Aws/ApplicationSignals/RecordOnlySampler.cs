// With Application Signals on, a span the trace sampler drops must still be measured: this
// wrapper turns Drop into RecordOnly. The span is then created with all its attributes and
// reaches the span processors (so the metrics processor sees it), but it is not sampled, so
// the batch export processor skips it and it is never exported. Everything else the inner
// sampler decided (attributes, trace state, RecordAndSample) is kept.
using OpenTelemetry.Trace;

namespace CloudWatchApm.Agent.Aws.ApplicationSignals;

internal sealed class RecordOnlySampler : Sampler, IDisposable
{
    private readonly Sampler _inner;

    internal RecordOnlySampler(Sampler inner)
    {
        _inner = inner;
        Description = "RecordOnly{" + inner.Description + "}";
    }

    public void Dispose() => (_inner as IDisposable)?.Dispose();

    public override SamplingResult ShouldSample(in SamplingParameters samplingParameters)
    {
        var result = _inner.ShouldSample(samplingParameters);
        return result.Decision == SamplingDecision.Drop
            ? new SamplingResult(SamplingDecision.RecordOnly, result.Attributes, result.TraceStateString)
            : result;
    }
}
