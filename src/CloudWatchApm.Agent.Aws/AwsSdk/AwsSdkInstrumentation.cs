// Zero-code registration of the AWS SDK for .NET (v4) instrumentation. AWSSDK.Core keeps one
// process-wide RuntimePipelineCustomizerRegistry that every service client consults when it
// builds its pipeline, so one registration covers every client the app creates afterwards.
//
// When: only once the app's own AWSSDK.Core is loaded into the default context. The agent
// checks first that the app ships AWSSDK.Core at all (trusted platform assemblies, in AwsHooks)
// and otherwise never loads this code; then it registers on AppDomain.AssemblyLoad (or at
// once if the assembly is already loaded). Registering earlier would make the agent load
// AWSSDK.Core itself at startup, which costs start-up time in every app that ships the SDK but
// has not used it yet; later would miss the first client. The load event runs on the loading
// thread before any type of the assembly is used, so no client can be built in between.
// AWS SDK v3 (assembly version 3.x) has a different pipeline and is left alone, with a line.
using System.Diagnostics;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.Loader;
using Amazon.Runtime.Internal;

namespace CloudWatchApm.Agent.Aws.AwsSdk;

internal static class AwsSdkInstrumentation
{
    internal const string SourceName = "CloudWatchApm.AwsSdk";
    internal const string CoreAssemblyName = "AWSSDK.Core";

    internal static readonly ActivitySource Source = new(SourceName, typeof(AwsSdkInstrumentation).Assembly.GetName().Version?.ToString());

    private static int _watching;
    private static int _registered;
    private static Action<string> _log = _ => { };

    internal static bool IsRegistered => Volatile.Read(ref _registered) == 1;

    /// <summary>Registers the pipeline customizer as soon as the app's AWSSDK.Core is loaded. Idempotent.</summary>
    internal static void Install(Action<string> log)
    {
        if (Interlocked.Exchange(ref _watching, 1) == 1)
        {
            return;
        }

        _log = log;
        AppDomain.CurrentDomain.AssemblyLoad += OnAssemblyLoad;
        foreach (var assembly in AppDomain.CurrentDomain.GetAssemblies())
        {
            if (TryRegister(assembly))
            {
                break;
            }
        }
    }

    /// <summary>True when <paramref name="assembly"/> is AWSSDK.Core and the customizer is (now) registered.</summary>
    internal static bool TryRegister(Assembly assembly)
    {
        // FullName is cached by the runtime; GetName() would allocate for every assembly loaded.
        if (!assembly.FullName!.StartsWith(CoreAssemblyName + ",", StringComparison.Ordinal))
        {
            return false;
        }

        if (AssemblyLoadContext.GetLoadContext(assembly) != AssemblyLoadContext.Default)
        {
            _log("AWSSDK.Core loaded into a custom load context is not instrumented");
            return false;
        }

        var version = assembly.GetName().Version;
        if (version is null || version.Major < 4)
        {
            _log($"AWSSDK.Core {version} (AWS SDK for .NET v3) is not instrumented; the AWS SDK instrumentation needs v4");
            return false;
        }

        if (Interlocked.Exchange(ref _registered, 1) == 1)
        {
            return true;
        }

        try
        {
            Register();
            AppDomain.CurrentDomain.AssemblyLoad -= OnAssemblyLoad;
            _log("AWS SDK instrumentation registered with AWSSDK.Core " + version);
            return true;
        }
        catch (Exception ex)
        {
            _log("AWS SDK instrumentation could not be registered: " + ex.GetType().Name + ": " + ex.Message);
            return false;
        }
    }

    private static void OnAssemblyLoad(object? sender, AssemblyLoadEventArgs args)
    {
        try
        {
            _ = TryRegister(args.LoadedAssembly);
        }
        catch (Exception ex)
        {
            // Never let the agent break an assembly load.
            _log("AWS SDK instrumentation: " + ex.Message);
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Register() => RuntimePipelineCustomizerRegistry.Instance.Register(new AwsSdkPipelineCustomizer(_log));
}
