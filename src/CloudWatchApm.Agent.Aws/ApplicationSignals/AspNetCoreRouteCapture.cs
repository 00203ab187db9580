// Puts http.route on the ASP.NET Core server span as soon as routing has matched an endpoint
// (the "Microsoft.AspNetCore.Routing.EndpointMatched" diagnostic event), instead of at the end
// of the request where the ASP.NET Core instrumentation sets it. Calls the handler makes to
// other services then already know the route template of the operation they belong to, so
// their aws.local.operation is "GET /orders/{id}" rather than a guess from the raw path.
// ASP.NET Core types are reached by name through one compiled expression (this assembly does
// not reference ASP.NET Core); where that fails, nothing is set and the fallback applies.
using System.Diagnostics;
using System.Linq.Expressions;
using System.Reflection;

namespace CloudWatchApm.Agent.Aws.ApplicationSignals;

internal sealed class AspNetCoreRouteCapture : IObserver<DiagnosticListener>, IObserver<KeyValuePair<string, object?>>
{
    internal const string EventName = "Microsoft.AspNetCore.Routing.EndpointMatched";

    private static readonly AspNetCoreRouteCapture Instance = new();
    private static int _installed;
    private static Func<object, string?>? _routeOf;
    private static bool _routeOfFailed;

    internal static void Install()
    {
        if (Interlocked.Exchange(ref _installed, 1) == 0)
        {
            DiagnosticListener.AllListeners.Subscribe(Instance);
        }
    }

    public void OnNext(DiagnosticListener value)
    {
        if (value.Name == "Microsoft.AspNetCore")
        {
            value.Subscribe(this, static (name, _, _) => name == EventName);
        }
    }

    public void OnNext(KeyValuePair<string, object?> value)
    {
        if (value.Key != EventName || value.Value is null)
        {
            return;
        }

        try
        {
            var server = Activity.Current;
            while (server is not null && server.Kind != ActivityKind.Server)
            {
                server = server.Parent;
            }

            if (server is null || !server.IsAllDataRequested || server.GetTagItem("http.route") is not null)
            {
                return;
            }

            if (RouteOf(value.Value) is { Length: > 0 } route)
            {
                server.SetTag("http.route", route);
            }
        }
        catch (Exception)
        {
            // Diagnostics must never disturb the request.
        }
    }

    public void OnCompleted()
    {
    }

    public void OnError(Exception error)
    {
    }

    internal static string? RouteOf(object httpContext)
    {
        if (_routeOf is null && !_routeOfFailed)
        {
            _routeOf = Compile(httpContext.GetType());
            _routeOfFailed = _routeOf is null;
        }

        return _routeOf?.Invoke(httpContext);
    }

    /// <summary>context => (context.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText.</summary>
    private static Func<object, string?>? Compile(Type contextType)
    {
        try
        {
            var httpContext = FindType(contextType, "Microsoft.AspNetCore.Http.HttpContext");
            var extensions = httpContext?.Assembly.GetType("Microsoft.AspNetCore.Http.EndpointHttpContextExtensions");
            var getEndpoint = extensions?.GetMethod("GetEndpoint", BindingFlags.Public | BindingFlags.Static, [httpContext!]);
            var routeEndpoint = Type.GetType("Microsoft.AspNetCore.Routing.RouteEndpoint, Microsoft.AspNetCore.Routing");
            var pattern = routeEndpoint?.GetProperty("RoutePattern");
            var rawText = pattern?.PropertyType.GetProperty("RawText");
            if (httpContext is null || getEndpoint is null || routeEndpoint is null || pattern is null || rawText is null)
            {
                return null;
            }

            var parameter = Expression.Parameter(typeof(object), "context");
            var endpoint = Expression.Variable(routeEndpoint, "endpoint");
            var body = Expression.Block(
                [endpoint],
                Expression.Assign(endpoint, Expression.TypeAs(Expression.Call(getEndpoint, Expression.Convert(parameter, httpContext)), routeEndpoint)),
                Expression.Condition(
                    Expression.Equal(endpoint, Expression.Constant(null, routeEndpoint)),
                    Expression.Constant(null, typeof(string)),
                    Expression.Property(Expression.Property(endpoint, pattern), rawText)));
            return Expression.Lambda<Func<object, string?>>(body, parameter).Compile();
        }
        catch (Exception)
        {
            return null;
        }
    }

    private static Type? FindType(Type type, string fullName)
    {
        for (var t = type; t is not null; t = t.BaseType)
        {
            if (t.FullName == fullName)
            {
                return t;
            }
        }

        return null;
    }
}
