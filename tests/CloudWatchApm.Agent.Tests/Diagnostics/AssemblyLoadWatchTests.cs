using System.Reflection;
using CloudWatchApm.Agent.Diagnostics;
using Xunit;

namespace CloudWatchApm.Agent.Tests.Diagnostics;

public class AssemblyLoadWatchTests
{
    // Framework assemblies nothing else in this test run loads.
    private const string LoadedOnAnotherThread = "System.Net.Mail";
    private const string LoadedOnThisThread = "System.Xml.XPath.XDocument";

    [Fact]
    public void AlreadyLoaded_CountsAsLoadedHere()
    {
        using var watch = new AssemblyLoadWatch("System.Private.CoreLib");
        Assert.True(watch.LoadedHere);
    }

    [Fact]
    public void LoadedByAnotherThread_IsNotLoadedHere_LoadedByThisOne_Is()
    {
        Assert.DoesNotContain(AppDomain.CurrentDomain.GetAssemblies(), a => a.GetName().Name is LoadedOnAnotherThread or LoadedOnThisThread);

        using (var watch = new AssemblyLoadWatch(LoadedOnAnotherThread))
        {
            var other = new Thread(() => Assembly.Load(LoadedOnAnotherThread));
            other.Start();
            other.Join();
            Assert.Contains(AppDomain.CurrentDomain.GetAssemblies(), a => a.GetName().Name == LoadedOnAnotherThread);
            Assert.False(watch.LoadedHere);
        }

        using (var watch = new AssemblyLoadWatch(LoadedOnThisThread))
        {
            Assert.False(watch.LoadedHere);
            Assembly.Load(LoadedOnThisThread);
            Assert.True(watch.LoadedHere);
        }
    }
}
