// At debug level the agent says whether the application's own thread had loaded OpenTelemetry
// when the hook handed back (it must not: an ASP.NET Core app's SDK load belongs to the
// background build). Asking the AppDomain at hand-back is not enough: by then the background
// build, on its own thread, may have loaded it too. So: loaded before the watch began, or
// loaded since by the thread that began it.
using System.Reflection;

namespace CloudWatchApm.Agent.Diagnostics;

internal sealed class AssemblyLoadWatch : IDisposable
{
    private readonly string _name;
    private readonly int _thread = Environment.CurrentManagedThreadId;
    private volatile bool _loadedHere;

    internal AssemblyLoadWatch(string name)
    {
        _name = name;
        AppDomain.CurrentDomain.AssemblyLoad += OnLoad;
        _loadedHere = IsLoaded(name);
    }

    /// <summary>True when the assembly was loaded before the watch began, or since on the thread that began it.</summary>
    internal bool LoadedHere => _loadedHere;

    public void Dispose() => AppDomain.CurrentDomain.AssemblyLoad -= OnLoad;

    private static bool IsLoaded(string name) => AppDomain.CurrentDomain.GetAssemblies().Any(a => Is(a, name));

    private static bool Is(Assembly assembly, string name) => string.Equals(assembly.GetName().Name, name, StringComparison.Ordinal);

    private void OnLoad(object? sender, AssemblyLoadEventArgs args)
    {
        if (Environment.CurrentManagedThreadId == _thread && Is(args.LoadedAssembly, _name))
        {
            _loadedHere = true;
        }
    }
}
