// Trace context through SQS the way AWS itself carries it: in the AWSTraceHeader message
// *system* attribute (X-Ray header format). Unlike a user message attribute it does not count
// against the 10 attributes a message may have, it survives every SQS consumer path (Lambda
// event source mappings read it), and it never collides with the app's own attributes.
// - SendMessage / SendMessageBatch: the producer span's context goes into each message that
//   does not already carry one.
// - ReceiveMessage: the attribute is requested (MessageSystemAttributeNames), each received
//   message's context becomes a link on the receive span, and the request and the messages
//   are given back to the app as they would have been without the agent.
// The SQS model types are reached by property name (no reference to AWSSDK.SQS), cached per type.
using System.Collections;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Reflection;
using CloudWatchApm.Agent.Aws.XRay;
using OpenTelemetry.Context.Propagation;

namespace CloudWatchApm.Agent.Aws.AwsSdk;

internal static class SqsTraceContext
{
    internal const string AttributeName = "AWSTraceHeader";

    private static readonly XRayPropagator Propagator = new();
    private static readonly ConcurrentDictionary<Type, SystemAttributeAccessor?> Accessors = new();

    /// <summary>What RequestTraceHeader changed on a ReceiveMessage request, to undo after the call.</summary>
    internal readonly record struct ReceiveChange(object? Request, bool AddedName, bool CreatedList);

    /// <summary>The X-Ray header for <paramref name="activity"/>, e.g. Root=1-...;Parent=...;Sampled=1.</summary>
    internal static string? Format(Activity activity)
    {
        var carrier = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        Propagator.Inject(new PropagationContext(activity.Context, default), carrier, static (c, k, v) => c[k] = v);
        return carrier.TryGetValue(XRayPropagator.HeaderName, out var header) ? header : null;
    }

    /// <summary>Adds AWSTraceHeader to a SendMessage request, or to every entry of a SendMessageBatch request.</summary>
    internal static void Inject(object request, Activity activity)
    {
        var header = Format(activity);
        if (header is null)
        {
            return;
        }

        if (AwsRequestFacts.Get(request, "Entries") is IEnumerable entries)
        {
            foreach (var entry in entries)
            {
                if (entry is not null)
                {
                    Accessor(entry.GetType())?.SetIfAbsent(entry, header);
                }
            }

            return;
        }

        Accessor(request.GetType())?.SetIfAbsent(request, header);
    }

    /// <summary>Asks a ReceiveMessage request for the AWSTraceHeader system attribute unless it already asks for it.</summary>
    internal static ReceiveChange RequestTraceHeader(object request)
    {
        var property = request.GetType().GetProperty("MessageSystemAttributeNames", BindingFlags.Public | BindingFlags.Instance);
        if (property is null || !property.CanWrite || property.PropertyType != typeof(List<string>))
        {
            return default;
        }

        if (Asks(property.GetValue(request) as List<string>) || Asks(AwsRequestFacts.Get(request, "AttributeNames") as List<string>))
        {
            return new ReceiveChange(request, false, false);
        }

        var names = property.GetValue(request) as List<string>;
        var created = names is null;
        names ??= [];
        names.Add(AttributeName);
        if (created)
        {
            property.SetValue(request, names);
        }

        return new ReceiveChange(request, true, created);
    }

    /// <summary>Links the receive span to each message's context and undoes what RequestTraceHeader changed.</summary>
    internal static void ReadTraceHeaders(object? response, Activity activity, ReceiveChange change)
    {
        if (change.AddedName && change.Request is { } request)
        {
            var property = request.GetType().GetProperty("MessageSystemAttributeNames")!;
            if (change.CreatedList)
            {
                property.SetValue(request, null);
            }
            else if (property.GetValue(request) is List<string> names)
            {
                names.RemoveAt(names.LastIndexOf(AttributeName));
            }
        }

        if (response is null || AwsRequestFacts.Get(response, "Messages") is not IList messages)
        {
            return;
        }

        if (activity.IsAllDataRequested)
        {
            activity.SetTag(AwsSdkAttributes.MessagingBatchMessageCount, messages.Count);
        }

        foreach (var message in messages)
        {
            if (message is null)
            {
                continue;
            }

            var attributesProperty = message.GetType().GetProperty("Attributes", BindingFlags.Public | BindingFlags.Instance);
            if (attributesProperty?.GetValue(message) is not IDictionary<string, string> attributes)
            {
                continue;
            }

            if (attributes.TryGetValue(AttributeName, out var header)
                && activity.IsAllDataRequested
                && XRayPropagator.TryParse(header, out var context))
            {
                activity.AddLink(new ActivityLink(context));
            }

            if (change.AddedName)
            {
                attributes.Remove(AttributeName);
                if (attributes.Count == 0 && attributesProperty.CanWrite)
                {
                    attributesProperty.SetValue(message, null);
                }
            }
        }
    }

    private static bool Asks(List<string>? names)
    {
        if (names is null)
        {
            return false;
        }

        foreach (var name in names)
        {
            if (string.Equals(name, AttributeName, StringComparison.OrdinalIgnoreCase) || string.Equals(name, "All", StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    private static SystemAttributeAccessor? Accessor(Type type) => Accessors.GetOrAdd(type, SystemAttributeAccessor.Create);

    /// <summary>MessageSystemAttributes (Dictionary&lt;string, MessageSystemAttributeValue&gt;) of one model type.</summary>
    private sealed class SystemAttributeAccessor
    {
        private readonly PropertyInfo _dictionary;
        private readonly Type _valueType;
        private readonly PropertyInfo _dataType;
        private readonly PropertyInfo _stringValue;

        private SystemAttributeAccessor(PropertyInfo dictionary, Type valueType, PropertyInfo dataType, PropertyInfo stringValue)
        {
            _dictionary = dictionary;
            _valueType = valueType;
            _dataType = dataType;
            _stringValue = stringValue;
        }

        internal static SystemAttributeAccessor? Create(Type type)
        {
            var dictionary = type.GetProperty("MessageSystemAttributes", BindingFlags.Public | BindingFlags.Instance);
            if (dictionary is null || !dictionary.CanWrite || !dictionary.PropertyType.IsGenericType
                || !typeof(IDictionary).IsAssignableFrom(dictionary.PropertyType) || dictionary.PropertyType.GetGenericArguments() is not [var key, var value]
                || key != typeof(string) || value.GetConstructor(Type.EmptyTypes) is null)
            {
                return null;
            }

            var dataType = value.GetProperty("DataType");
            var stringValue = value.GetProperty("StringValue");
            return dataType?.CanWrite == true && stringValue?.CanWrite == true ? new SystemAttributeAccessor(dictionary, value, dataType, stringValue) : null;
        }

        internal void SetIfAbsent(object target, string header)
        {
            if (_dictionary.GetValue(target) is not IDictionary attributes)
            {
                attributes = (IDictionary)Activator.CreateInstance(_dictionary.PropertyType)!;
                _dictionary.SetValue(target, attributes);
            }

            if (attributes.Contains(AttributeName))
            {
                return;
            }

            var value = Activator.CreateInstance(_valueType)!;
            _dataType.SetValue(value, "String");
            _stringValue.SetValue(value, header);
            attributes[AttributeName] = value;
        }
    }
}
