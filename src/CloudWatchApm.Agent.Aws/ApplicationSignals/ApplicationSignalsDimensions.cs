// One cached set of Application Signals dimensions: the metric attributes (an array handed to
// Histogram.Record as a span, so recording allocates nothing) and the same values for the span.
namespace CloudWatchApm.Agent.Aws.ApplicationSignals;

internal sealed class ApplicationSignalsDimensions
{
    internal ApplicationSignalsDimensions(string localService, string localOperation, string spanKind, string? remoteService = null, string? remoteOperation = null, string? resourceType = null, string? resourceIdentifier = null)
    {
        LocalService = localService;
        LocalOperation = localOperation;
        SpanKind = spanKind;
        RemoteService = remoteService;
        RemoteOperation = remoteOperation;
        ResourceType = resourceType;
        ResourceIdentifier = resourceIdentifier;

        var tags = new List<KeyValuePair<string, object?>>(7)
        {
            new(ApplicationSignalsConventions.LocalService, localService),
            new(ApplicationSignalsConventions.LocalOperation, localOperation),
            new(ApplicationSignalsConventions.SpanKind, spanKind),
        };

        if (remoteService is not null)
        {
            tags.Add(new(ApplicationSignalsConventions.RemoteService, remoteService));
            tags.Add(new(ApplicationSignalsConventions.RemoteOperation, remoteOperation ?? ApplicationSignalsConventions.UnknownRemoteOperation));
            if (resourceType is not null && resourceIdentifier is not null)
            {
                tags.Add(new(ApplicationSignalsConventions.RemoteResourceType, resourceType));
                tags.Add(new(ApplicationSignalsConventions.RemoteResourceIdentifier, resourceIdentifier));
            }
        }

        Tags = [.. tags];
    }

    internal string LocalService { get; }

    internal string LocalOperation { get; }

    internal string SpanKind { get; }

    internal string? RemoteService { get; }

    internal string? RemoteOperation { get; }

    internal string? ResourceType { get; }

    internal string? ResourceIdentifier { get; }

    internal KeyValuePair<string, object?>[] Tags { get; }
}
