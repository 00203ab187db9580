// StackExchange.Redis publishes no ActivitySource, Meter or DiagnosticListener (checked on
// 3.4.35); its only hook is the profiling API, IConnectionMultiplexer.RegisterProfiler, which
// needs each multiplexer. The library's own extension point gives us every multiplexer without
// code changes: a DefaultOptionsProvider registered with DefaultOptionsProvider.AddProvider is
// asked to match each new connection's endpoints and gets AfterConnectAsync(multiplexer) after
// it connects. The agent registers one (a subclass made at run time, so the agent compiles
// against no StackExchange.Redis version) when the library loads; it matches only endpoints that
// no other built-in provider (Azure, Redis Cloud/Enterprise) claims, so their defaults still
// apply, and then registers a profiler on the multiplexer.
//
// The profiler hands out one ProfilingSession per current span; when that span ends (the
// processor's OnEnd), the session is finished and each command becomes a CLIENT child span with
// its real start time and duration. Commands issued with no current span are not profiled.
// Everything is reached by reflection once, at registration; a version whose API differs is
// logged and skipped.
using System.Diagnostics;
using System.Linq.Expressions;
using System.Net;
using System.Reflection;
using System.Reflection.Emit;
using System.Runtime.CompilerServices;
using CloudWatchApm.Agent.Diagnostics;
using OpenTelemetry;

namespace CloudWatchApm.Agent.Instrumentation;

internal sealed class StackExchangeRedisInstrumentation : BaseProcessor<Activity>
{
    private const string Id = InstrumentationCatalog.StackExchangeRedis;

    private static readonly ActivitySource Source = new(InstrumentationCatalog.StackExchangeRedisSource, typeof(StackExchangeRedisInstrumentation).Assembly.GetName().Version?.ToString());

    [ThreadStatic]
    private static bool _inMatch;

    private readonly ConditionalWeakTable<Activity, object> _sessions = [];
    private readonly ConditionalWeakTable<object, object> _profiled = [];
    private readonly ConditionalWeakTable<Activity, object>.CreateValueCallback _newSession;
    private Api? _api;
    private int _installed;

    private StackExchangeRedisInstrumentation()
    {
        _newSession = _ => _api!.NewSession();
    }

    internal static StackExchangeRedisInstrumentation? Current { get; private set; }

    /// <summary>Registers the options provider as soon as StackExchange.Redis is loaded (now, or when the app loads it).</summary>
    internal static StackExchangeRedisInstrumentation Start()
    {
        var instrumentation = new StackExchangeRedisInstrumentation();
        Current = instrumentation;
        AppDomain.CurrentDomain.AssemblyLoad += instrumentation.OnAssemblyLoad;
        foreach (var assembly in AppDomain.CurrentDomain.GetAssemblies())
        {
            if (assembly.GetName().Name == "StackExchange.Redis")
            {
                instrumentation.Install(assembly);
            }
        }

        return instrumentation;
    }

    public override void OnEnd(Activity data)
    {
        // Our own spans never carry sessions; everything else may.
        if (_api is null || ReferenceEquals(data.Source, Source) || !_sessions.TryGetValue(data, out var session))
        {
            return;
        }

        _sessions.Remove(data);
        if (InstrumentationGuard.IsDisabled(Id))
        {
            return;
        }

        try
        {
            EmitSpans(data, session);
        }
        catch (Exception ex)
        {
            InstrumentationGuard.Disable(Id, "turning profiled commands into spans", ex);
        }
    }

    /// <summary>Called by the profiler for every command: the session of the current span, or none.</summary>
    internal object? CurrentSession()
    {
        if (InstrumentationGuard.IsDisabled(Id))
        {
            return null;
        }

        var activity = Activity.Current;
        if (activity is null || !activity.Recorded || activity.IsStopped || ReferenceEquals(activity.Source, Source))
        {
            return null;
        }

        return _sessions.GetValue(activity, _newSession);
    }

    private void OnAssemblyLoad(object? sender, AssemblyLoadEventArgs args)
    {
        if (args.LoadedAssembly.GetName().Name == "StackExchange.Redis")
        {
            Install(args.LoadedAssembly);
        }
    }

    private void Install(Assembly assembly)
    {
        if (Interlocked.Exchange(ref _installed, 1) == 1)
        {
            return;
        }

        AppDomain.CurrentDomain.AssemblyLoad -= OnAssemblyLoad;
        try
        {
            if (!InstrumentationGuard.IsKnownVersion(Id, assembly))
            {
                return;
            }

            var api = Api.Bind(assembly, this);
            if (api is null)
            {
                return;
            }

            _api = api;
            api.AddProvider();
            AgentLog.Debug($"StackExchange.Redis {assembly.GetName().Version}: profiling every multiplexer that connects from now on");
        }
        catch (Exception ex)
        {
            InstrumentationGuard.Disable(Id, "registering with StackExchange.Redis", ex);
        }
    }

    private bool IsMatch(object? endpoint)
    {
        if (_inMatch || endpoint is null || InstrumentationGuard.IsDisabled(Id))
        {
            return false;
        }

        // Ask the library which provider it would pick without us; take only the plain default.
        _inMatch = true;
        try
        {
            return _api!.IsPlainDefault(endpoint);
        }
        catch (Exception ex)
        {
            InstrumentationGuard.Disable(Id, "matching a Redis endpoint", ex);
            return false;
        }
        finally
        {
            _inMatch = false;
        }
    }

    private Task AfterConnect(object multiplexer, Action<string>? log)
    {
        _ = log;
        try
        {
            if (!InstrumentationGuard.IsDisabled(Id) && !_profiled.TryGetValue(multiplexer, out _))
            {
                _profiled.Add(multiplexer, multiplexer);
                _api!.RegisterProfiler(multiplexer);
            }
        }
        catch (Exception ex)
        {
            InstrumentationGuard.Disable(Id, "registering a profiler on a multiplexer", ex);
        }

        return Task.CompletedTask;
    }

    private void EmitSpans(Activity parent, object session)
    {
        var api = _api!;
        var commands = api.Finish(session);
        if (commands.Count == 0)
        {
            return;
        }

        // Starting and stopping spans here must not disturb what is current on this thread.
        var saved = Activity.Current;
        try
        {
            foreach (var command in commands)
            {
                var name = api.CommandName(command);
                var created = api.Created(command);
                var start = new DateTimeOffset(created.Kind == DateTimeKind.Local ? created.ToUniversalTime() : DateTime.SpecifyKind(created, DateTimeKind.Utc));
                var activity = Source.StartActivity(name, ActivityKind.Client, parent.Context, startTime: start);
                if (activity is null)
                {
                    continue;
                }

                if (activity.IsAllDataRequested)
                {
                    activity.SetTag("db.system", "redis");
                    activity.SetTag("db.system.name", "redis");
                    activity.SetTag("db.operation.name", name);
                    activity.SetTag("db.namespace", api.Db(command).ToString(System.Globalization.CultureInfo.InvariantCulture));
                    switch (api.EndPoint(command))
                    {
                        case DnsEndPoint dns:
                            activity.SetTag("server.address", dns.Host);
                            activity.SetTag("server.port", dns.Port);
                            break;
                        case IPEndPoint ip:
                            activity.SetTag("server.address", ip.Address.ToString());
                            activity.SetTag("server.port", ip.Port);
                            break;
                    }
                }

                activity.SetEndTime(start.UtcDateTime + api.Elapsed(command));
                activity.Stop();
            }
        }
        finally
        {
            Activity.Current = saved;
        }
    }

    /// <summary>The parts of StackExchange.Redis the instrumentation uses, bound once by reflection.</summary>
    private sealed class Api
    {
        private Func<object?, object> _newSession = null!;
        private MethodInfo _finish = null!;
        private MethodInfo _registerProfiler = null!;
        private Delegate _profilerDelegate = null!;
        private MethodInfo _addProvider = null!;
        private MethodInfo _getProvider = null!;
        private Type _defaultProvider = null!;
        private Type _generated = null!;
        private PropertyInfo _command = null!;
        private PropertyInfo _db = null!;
        private PropertyInfo _endPoint = null!;
        private PropertyInfo _created = null!;
        private PropertyInfo _elapsed = null!;

        internal static Api? Bind(Assembly redis, StackExchangeRedisInstrumentation owner)
        {
            var sessionType = redis.GetType("StackExchange.Redis.Profiling.ProfilingSession");
            var commandType = redis.GetType("StackExchange.Redis.Profiling.IProfiledCommand");
            var muxerInterface = redis.GetType("StackExchange.Redis.IConnectionMultiplexer");
            var muxerType = redis.GetType("StackExchange.Redis.ConnectionMultiplexer");
            var providerType = redis.GetType("StackExchange.Redis.Configuration.DefaultOptionsProvider");
            var register = muxerInterface?.GetMethod("RegisterProfiler");
            var finish = sessionType?.GetMethod("FinishProfiling", Type.EmptyTypes);
            var ctor = sessionType?.GetConstructor([typeof(object)]);
            var addProvider = providerType?.GetMethod("AddProvider", BindingFlags.Public | BindingFlags.Static);
            var getProvider = providerType?.GetMethod("GetProvider", BindingFlags.Public | BindingFlags.Static, [typeof(EndPoint)]);
            var isMatch = providerType?.GetMethod("IsMatch", BindingFlags.Public | BindingFlags.Instance, [typeof(EndPoint)]);
            var afterConnect = providerType is null || muxerType is null ? null : providerType.GetMethod("AfterConnectAsync", BindingFlags.Public | BindingFlags.Instance, [muxerType, typeof(Action<string>)]);
            PropertyInfo? Prop(string name) => commandType?.GetProperty(name);
            var command = Prop("Command");
            var db = Prop("Db");
            var endPoint = Prop("EndPoint");
            var created = Prop("CommandCreated");
            var elapsed = Prop("ElapsedTime");

            if (sessionType is null || commandType is null || muxerType is null || providerType is null || register is null || finish is null || ctor is null
                || addProvider is null || getProvider is null || isMatch is null || !isMatch.IsVirtual || afterConnect is null || !afterConnect.IsVirtual
                || providerType.IsSealed || providerType.GetConstructor(Type.EmptyTypes) is null
                || command is null || db is null || endPoint is null || created?.PropertyType != typeof(DateTime) || elapsed?.PropertyType != typeof(TimeSpan))
            {
                AgentLog.Warn($"StackExchange.Redis {redis.GetName().Version} does not have the profiling and options-provider API instrumentation {Id} uses; Redis commands are not traced");
                return null;
            }

            // Func<ProfilingSession> that calls owner.CurrentSession() and casts.
            var call = Expression.Call(Expression.Constant(owner), typeof(StackExchangeRedisInstrumentation).GetMethod(nameof(CurrentSession), BindingFlags.NonPublic | BindingFlags.Instance)!);
            var profiler = Expression.Lambda(typeof(Func<>).MakeGenericType(sessionType), Expression.Convert(call, sessionType)).Compile();
            var token = Expression.Parameter(typeof(object), "token");
            var newSession = Expression.Lambda<Func<object?, object>>(Expression.Convert(Expression.New(ctor, token), typeof(object)), token).Compile();

            return new Api
            {
                _newSession = newSession,
                _finish = finish,
                _registerProfiler = register,
                _profilerDelegate = profiler,
                _addProvider = addProvider,
                _getProvider = getProvider,
                _defaultProvider = providerType,
                _generated = EmitProvider(providerType, isMatch, afterConnect, muxerType, owner),
                _command = command,
                _db = db,
                _endPoint = endPoint,
                _created = created,
                _elapsed = elapsed,
            };
        }

        internal object NewSession() => _newSession(null);

        internal void AddProvider() => _addProvider.Invoke(null, [Activator.CreateInstance(_generated)]);

        internal bool IsPlainDefault(object endpoint)
        {
            var provider = _getProvider.Invoke(null, [endpoint]);
            return provider is not null && provider.GetType() == _defaultProvider;
        }

        internal void RegisterProfiler(object multiplexer) => _registerProfiler.Invoke(multiplexer, [_profilerDelegate]);

        internal List<object> Finish(object session)
        {
            var list = new List<object>();
            if (_finish.Invoke(session, null) is System.Collections.IEnumerable commands)
            {
                foreach (var command in commands)
                {
                    if (command is not null)
                    {
                        list.Add(command);
                    }
                }
            }

            return list;
        }

        internal string CommandName(object command) => _command.GetValue(command) as string ?? "redis";

        internal int Db(object command) => _db.GetValue(command) is int db ? db : 0;

        internal EndPoint? EndPoint(object command) => _endPoint.GetValue(command) as EndPoint;

        internal DateTime Created(object command) => _created.GetValue(command) is DateTime d ? d : DateTime.UtcNow;

        internal TimeSpan Elapsed(object command) => _elapsed.GetValue(command) is TimeSpan t ? t : TimeSpan.Zero;

        /// <summary>
        /// A subclass of DefaultOptionsProvider whose IsMatch and AfterConnectAsync call two static
        /// delegate fields (public delegate Invoke calls, so no access checks are involved).
        /// </summary>
        private static Type EmitProvider(Type providerType, MethodInfo isMatch, MethodInfo afterConnect, Type muxerType, StackExchangeRedisInstrumentation owner)
        {
            var assembly = AssemblyBuilder.DefineDynamicAssembly(new AssemblyName("CloudWatchApm.Agent.RedisProvider"), AssemblyBuilderAccess.Run);
            var module = assembly.DefineDynamicModule("CloudWatchApm.Agent.RedisProvider");
            var type = module.DefineType("CloudWatchApm.Agent.RedisProvider.AgentOptionsProvider", TypeAttributes.Public | TypeAttributes.Sealed | TypeAttributes.Class, providerType);
            var matchField = type.DefineField("Match", typeof(Func<object?, bool>), FieldAttributes.Public | FieldAttributes.Static);
            var connectField = type.DefineField("Connect", typeof(Func<object, Action<string>?, Task>), FieldAttributes.Public | FieldAttributes.Static);
            type.DefineDefaultConstructor(MethodAttributes.Public);

            var attributes = MethodAttributes.Public | MethodAttributes.Virtual | MethodAttributes.HideBySig;
            var match = type.DefineMethod(isMatch.Name, attributes, typeof(bool), [typeof(EndPoint)]);
            var il = match.GetILGenerator();
            il.Emit(OpCodes.Ldsfld, matchField);
            il.Emit(OpCodes.Ldarg_1);
            il.Emit(OpCodes.Callvirt, typeof(Func<object?, bool>).GetMethod("Invoke")!);
            il.Emit(OpCodes.Ret);
            type.DefineMethodOverride(match, isMatch);

            var connect = type.DefineMethod(afterConnect.Name, attributes, typeof(Task), [muxerType, typeof(Action<string>)]);
            il = connect.GetILGenerator();
            il.Emit(OpCodes.Ldsfld, connectField);
            il.Emit(OpCodes.Ldarg_1);
            il.Emit(OpCodes.Ldarg_2);
            il.Emit(OpCodes.Callvirt, typeof(Func<object, Action<string>?, Task>).GetMethod("Invoke")!);
            il.Emit(OpCodes.Ret);
            type.DefineMethodOverride(connect, afterConnect);

            var created = type.CreateType();
            created.GetField("Match")!.SetValue(null, new Func<object?, bool>(owner.IsMatch));
            created.GetField("Connect")!.SetValue(null, new Func<object, Action<string>?, Task>(owner.AfterConnect));
            return created;
        }
    }
}
