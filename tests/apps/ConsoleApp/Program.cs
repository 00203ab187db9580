// Test application: calls TARGET_URL CALL_COUNT times and exits with EXIT_CODE (default 0).
// With WAIT_FOR_SIGNAL=1 it prints "ready" and waits until it is terminated.
using System.Globalization;

var target = new Uri(Environment.GetEnvironmentVariable("TARGET_URL") ?? "http://127.0.0.1:1/");
var count = int.Parse(Environment.GetEnvironmentVariable("CALL_COUNT") ?? "3", CultureInfo.InvariantCulture);
using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
for (var i = 0; i < count; i++)
{
    try
    {
        using var response = await client.GetAsync(target);
        Console.WriteLine($"call {i}: {(int)response.StatusCode}");
    }
    catch (HttpRequestException ex)
    {
        Console.WriteLine($"call {i}: {ex.Message}");
    }
}

if (Environment.GetEnvironmentVariable("WAIT_FOR_SIGNAL") == "1")
{
    Console.WriteLine("ready");
    Console.Out.Flush();
    await Task.Delay(Timeout.Infinite);
}

return int.Parse(Environment.GetEnvironmentVariable("EXIT_CODE") ?? "0", CultureInfo.InvariantCulture);
