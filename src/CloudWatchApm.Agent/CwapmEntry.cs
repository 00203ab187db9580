// The type the startup hook hands off to. Outside any namespace and with a short name on purpose:
// the hook finds it with Assembly.GetType, and the runtime's type-name parser scans a name of 16
// characters or more with vector code that is JIT-compiled on first use (three methods, about
// 0.7 ms before the app's Main). A shorter name takes the path the runtime has already compiled
// for the hook's own type, "StartupHook".
#pragma warning disable CA1050 // Found by name from the startup hook; see above.
internal static class CwapmEntry
#pragma warning restore CA1050
{
    /// <summary>Called once by the startup hook, by reflection.</summary>
    public static void Initialize(string home, string loadingPath, string hookPath, double hookMilliseconds)
        => CloudWatchApm.Agent.Bootstrap.Initialize(home, loadingPath, hookPath, hookMilliseconds);
}
