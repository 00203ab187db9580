// Decides, for one ended span, the Application Signals dimensions it is measured under:
// - service metrics for every SERVER span and every local root (no parent in this process):
//   aws.local.service, aws.local.operation, aws.span.kind (LOCAL_ROOT or SERVER);
// - dependency metrics for every CLIENT, PRODUCER and CONSUMER span, adding aws.remote.service,
//   aws.remote.operation and, when known, aws.remote.resource.type/identifier.
// Operations: a server span's comes from OTEL_AWS_HTTP_OPERATION_PATHS, then its route template
// (http.route), then "METHOD /first-segment" - never the raw path; a dependency's local
// operation is that of its nearest server ancestor (InternalOperation under a non-server root).
// Remote service: the AWS SDK service (AWS::DynamoDB), the database or messaging system, the
// RPC service, or host:port.
// Every distinct value is built once and cached, so the steady state allocates nothing per
// span; each cache is bounded, and operations beyond the bound become AllOtherOperations so a
// path with ids in it cannot explode the number of metric series.
using System.Collections.Concurrent;
using System.Diagnostics;
using CloudWatchApm.Agent.Aws.AwsSdk;
using static CloudWatchApm.Agent.Aws.ApplicationSignals.ApplicationSignalsConventions;

namespace CloudWatchApm.Agent.Aws.ApplicationSignals;

internal sealed class ApplicationSignalsGenerator
{
    internal const int DefaultMaxOperations = 200;

    private readonly string _localService;
    private readonly OperationPaths _paths;
    private readonly int _maxOperations;
    private readonly int _maxEntries;
    private readonly OperationCache _ingress;
    private readonly OperationCache _egress;
    private readonly ConcurrentDictionary<(string Local, string Kind), ApplicationSignalsDimensions> _service = new();
    private readonly ConcurrentDictionary<DependencyKey, ApplicationSignalsDimensions> _dependency = new();
    private readonly ConcurrentDictionary<string, string> _awsServices = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(string Host, int Port), string> _hosts = new();
    private readonly ConcurrentDictionary<string, string> _resourceNames = new(StringComparer.Ordinal);
    private int _resourceCount;

    internal ApplicationSignalsGenerator(string? serviceName, OperationPaths? paths = null, int maxOperations = DefaultMaxOperations)
    {
        _localService = string.IsNullOrEmpty(serviceName) || serviceName.StartsWith("unknown_service", StringComparison.Ordinal) ? UnknownService : serviceName;
        _paths = paths ?? OperationPaths.Empty;
        _maxOperations = Math.Max(1, maxOperations);

        // Room for every admitted value plus the keys that map to the overflow value.
        _maxEntries = _maxOperations * 8;
        _ingress = new OperationCache(_maxOperations, _maxEntries);
        _egress = new OperationCache(_maxOperations, _maxEntries);
    }

    internal string LocalService => _localService;

    internal static bool IsLocalRoot(Activity span) => span.Parent is null || span.HasRemoteParent;

    /// <summary>Service-metric dimensions, or null for a span that is neither SERVER nor a local root.</summary>
    internal ApplicationSignalsDimensions? Service(Activity span)
    {
        var root = IsLocalRoot(span);
        if (span.Kind != ActivityKind.Server && !root)
        {
            return null;
        }

        var operation = span.Kind == ActivityKind.Server ? IngressOperation(span) : InternalOperation;
        var kind = root ? KindLocalRoot : KindServer;
        var key = (operation, kind);
        if (_service.TryGetValue(key, out var cached))
        {
            return cached;
        }

        if (_service.Count >= _maxEntries)
        {
            key = (OtherOperations, kind);
        }

        return _service.GetOrAdd(key, static (k, service) => new ApplicationSignalsDimensions(service, k.Local, k.Kind), _localService);
    }

    /// <summary>Dependency-metric dimensions, or null for a span that is not CLIENT, PRODUCER or CONSUMER.</summary>
    internal ApplicationSignalsDimensions? Dependency(Activity span)
    {
        var kind = span.Kind switch
        {
            ActivityKind.Client => KindClient,
            ActivityKind.Producer => KindProducer,
            ActivityKind.Consumer => KindConsumer,
            _ => null,
        };

        if (kind is null)
        {
            return null;
        }

        var local = LocalOperationOf(span);
        Remote(span, out var remoteService, out var remoteOperation, out var resourceType, out var resourceId);
        var key = new DependencyKey(local, kind, remoteService, remoteOperation, resourceType, resourceId);
        if (_dependency.TryGetValue(key, out var cached))
        {
            return cached;
        }

        if (_dependency.Count >= _maxEntries)
        {
            key = new DependencyKey(OtherOperations, kind, UnknownRemoteService, OtherOperations, null, null);
        }

        return _dependency.GetOrAdd(key, static (k, service) => new ApplicationSignalsDimensions(service, k.Local, k.Kind, k.Service, k.Operation, k.ResourceType, k.ResourceId), _localService);
    }

    /// <summary>The operation of the server span (or InternalOperation) this span runs under.</summary>
    internal string LocalOperationOf(Activity span)
    {
        if (IsLocalRoot(span))
        {
            return span.Kind == ActivityKind.Server ? IngressOperation(span) : InternalOperation;
        }

        for (var parent = span.Parent; parent is not null; parent = parent.Parent)
        {
            if (parent.Kind == ActivityKind.Server)
            {
                return IngressOperation(parent);
            }

            if (IsLocalRoot(parent))
            {
                break;
            }
        }

        return InternalOperation;
    }

    internal string IngressOperation(Activity server)
    {
        var method = Text(server, "http.request.method") ?? Text(server, "http.method");
        if (method is null)
        {
            // Not HTTP (gRPC, a framework of its own): the span name is the operation.
            return server.DisplayName.Length == 0 ? UnknownOperation : _ingress.Get(null, server.DisplayName, 0, server.DisplayName.Length);
        }

        var path = Text(server, "url.path") ?? Text(server, "http.target");
        if (!_paths.IsEmpty && path is not null && _paths.Match(path) is { } template)
        {
            return _ingress.Get(method, template, 0, template.Length);
        }

        if (Text(server, "http.route") is { } route)
        {
            return _ingress.Get(method, route, 0, route.Length);
        }

        if (path is not null)
        {
            var (start, length) = FirstSegment(path, 0);
            return _ingress.Get(method, path, start, length);
        }

        return UnknownOperation;
    }

    private void Remote(Activity span, out string service, out string operation, out string? resourceType, out string? resourceId)
    {
        resourceType = null;
        resourceId = null;

        // Set by the app itself: the app knows best.
        var explicitService = Text(span, RemoteService);
        var explicitOperation = Text(span, RemoteOperation);

        if (Text(span, AwsSdkAttributes.RpcSystem) == AwsSdkAttributes.RpcSystemAwsApi && Text(span, AwsSdkAttributes.RpcService) is { } awsService)
        {
            service = explicitService ?? _awsServices.GetOrAdd(awsService, static s => "AWS::" + s);
            operation = explicitOperation ?? _egress.Admit(Text(span, AwsSdkAttributes.RpcMethod)) ?? UnknownRemoteOperation;
            AwsResource(span, out resourceType, out resourceId);
            return;
        }

        var peer = explicitService ?? Text(span, "peer.service");
        if ((Text(span, "db.system.name") ?? Text(span, "db.system")) is { } database)
        {
            service = peer ?? database;
            operation = explicitOperation ?? _egress.Admit(Text(span, "db.operation.name") ?? Text(span, "db.operation")) ?? UnknownRemoteOperation;
            return;
        }

        if (Text(span, AwsSdkAttributes.MessagingSystem) is { } messaging)
        {
            service = peer ?? messaging;
            operation = explicitOperation ?? _egress.Admit(Text(span, AwsSdkAttributes.MessagingOperationName) ?? Text(span, AwsSdkAttributes.MessagingOperationType) ?? Text(span, "messaging.operation")) ?? UnknownRemoteOperation;
            return;
        }

        if ((Text(span, "http.request.method") ?? Text(span, "http.method")) is { } method)
        {
            service = peer ?? HostService(span) ?? UnknownRemoteService;
            operation = explicitOperation ?? HttpRemoteOperation(span, method);
            return;
        }

        if (Text(span, AwsSdkAttributes.RpcService) is { } rpcService)
        {
            service = peer ?? rpcService;
            operation = explicitOperation ?? _egress.Admit(Text(span, AwsSdkAttributes.RpcMethod)) ?? UnknownRemoteOperation;
            return;
        }

        service = peer ?? HostService(span) ?? UnknownRemoteService;
        operation = explicitOperation ?? UnknownRemoteOperation;
    }

    private void AwsResource(Activity span, out string? type, out string? id)
    {
        type = null;
        id = null;
        if (span.GetTagItem(AwsSdkAttributes.DynamoDbTableNames) is string[] { Length: 1 } tables)
        {
            (type, id) = ("AWS::DynamoDB::Table", Resource(tables[0]));
        }
        else if (Text(span, AwsSdkAttributes.SqsQueueUrl) is { } queueUrl)
        {
            (type, id) = ("AWS::SQS::Queue", ResourceName(queueUrl, AwsRequestFacts.QueueName));
        }
        else if (Text(span, AwsSdkAttributes.S3Bucket) is { } bucket)
        {
            (type, id) = ("AWS::S3::Bucket", Resource(bucket));
        }
        else if (Text(span, AwsSdkAttributes.SnsTopicArn) is { } topic)
        {
            (type, id) = ("AWS::SNS::Topic", ResourceName(topic, AwsRequestFacts.ArnResource));
        }
        else if (Text(span, AwsSdkAttributes.KinesisStreamName) is { } stream)
        {
            (type, id) = ("AWS::Kinesis::Stream", Resource(stream));
        }
        else if (Text(span, AwsSdkAttributes.LambdaFunctionName) is { } function)
        {
            (type, id) = ("AWS::Lambda::Function", ResourceName(function, AwsRequestFacts.ArnResource));
        }
        else if ((Text(span, AwsSdkAttributes.SecretsManagerSecretId) ?? Text(span, AwsSdkAttributes.SecretsManagerSecretArn)) is { } secret)
        {
            (type, id) = ("AWS::SecretsManager::Secret", ResourceName(secret, AwsRequestFacts.ArnResource));
        }
    }

    private string Resource(string value)
    {
        if (_resourceNames.TryGetValue(value, out var known))
        {
            return known;
        }

        return ResourceName(value, static v => v);
    }

    private string ResourceName(string value, Func<string?, string?> derive)
    {
        if (_resourceNames.TryGetValue(value, out var known))
        {
            return known;
        }

        if (Interlocked.Increment(ref _resourceCount) > _maxEntries)
        {
            Interlocked.Decrement(ref _resourceCount);
            return OtherResources;
        }

        return _resourceNames.GetOrAdd(value, derive(value) ?? value);
    }

    private string? HostService(Activity span)
    {
        var host = Text(span, "server.address") ?? Text(span, "net.peer.name");
        if (host is null)
        {
            return null;
        }

        var port = span.GetTagItem("server.port") switch
        {
            int i => i,
            long l => (int)l,
            string s when int.TryParse(s, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var p) => p,
            _ => 0,
        };

        if (_hosts.TryGetValue((host, port), out var known))
        {
            return known;
        }

        if (_hosts.Count >= _maxEntries)
        {
            return host;
        }

        return _hosts.GetOrAdd((host, port), static k => k.Port > 0 ? k.Host + ":" + k.Port.ToString(System.Globalization.CultureInfo.InvariantCulture) : k.Host);
    }

    private string HttpRemoteOperation(Activity span, string method)
    {
        if (Text(span, "url.full") is { } url)
        {
            // Skip "scheme://authority" and take the first path segment.
            var scheme = url.IndexOf("://", StringComparison.Ordinal);
            var pathStart = scheme < 0 ? 0 : url.IndexOf('/', scheme + 3);
            if (pathStart < 0)
            {
                return _egress.Get(method, "/", 0, 1);
            }

            var (start, length) = FirstSegment(url, pathStart);
            return _egress.Get(method, url, start, length);
        }

        if (Text(span, "url.path") is { } path)
        {
            var (start, length) = FirstSegment(path, 0);
            return _egress.Get(method, path, start, length);
        }

        return _egress.Get(method, "/", 0, 1);
    }

    /// <summary>The "/first" of "/first/second?q" (or "/" when there is none), as a slice of <paramref name="text"/>.</summary>
    private static (int Start, int Length) FirstSegment(string text, int pathStart)
    {
        var start = pathStart;
        if (start >= text.Length || text[start] != '/')
        {
            return (start, 0);
        }

        var end = start + 1;
        while (end < text.Length && text[end] is not ('/' or '?' or '#'))
        {
            end++;
        }

        return (start, end - start);
    }

    private static string? Text(Activity span, string key) => span.GetTagItem(key) as string is { Length: > 0 } s ? s : null;

    private readonly record struct DependencyKey(string Local, string Kind, string Service, string Operation, string? ResourceType, string? ResourceId);

    /// <summary>"METHOD /template" strings by (method, text slice), at most maxOperations distinct values.</summary>
    private sealed class OperationCache(int maxOperations, int maxEntries)
    {
        private readonly ConcurrentDictionary<TextKey, string> _byKey = new();
        private readonly ConcurrentDictionary<string, string> _admitted = new(StringComparer.Ordinal);
        private int _count;

        /// <summary><paramref name="value"/> itself while the bound allows, else the overflow value.</summary>
        internal string? Admit(string? value)
        {
            if (value is null)
            {
                return null;
            }

            if (_admitted.TryGetValue(value, out var known))
            {
                return known;
            }

            if (Interlocked.Increment(ref _count) > maxOperations)
            {
                Interlocked.Decrement(ref _count);
                return OtherOperations;
            }

            return _admitted.GetOrAdd(value, value);
        }

        internal string Get(string? method, string text, int start, int length)
        {
            var key = new TextKey(method, text, start, length);
            if (_byKey.TryGetValue(key, out var known))
            {
                return known;
            }

            var slice = key.Text;
            var operation = method is null ? slice.ToString()
                : slice.Length == 0 ? method + " /"
                : slice[0] == '/' ? method + " " + slice.ToString()
                : method + " /" + slice.ToString();
            var admitted = Admit(operation)!;
            if (_byKey.Count >= maxEntries)
            {
                return admitted;
            }

            // The stored key keeps its own copy of the text, not the (possibly long) tag value.
            return _byKey.GetOrAdd(new TextKey(method, slice.ToString()), admitted);
        }
    }
}
