// The SQL sanitiser runs on every database span (Npgsql, MySqlConnector, SqlClient) before
// export. The result string is the one allocation the work needs; anything above the size of
// that string is overhead.
using BenchmarkDotNet.Attributes;
using CloudWatchApm.Agent.Instrumentation;

namespace CloudWatchApm.Agent.Benchmarks.Micro;

[MemoryDiagnoser]
public class SqlSanitizerBenchmarks
{
    // What the bench app sends: a parameter and one literal.
    private const string Typical = "SELECT id, customer, total FROM orders WHERE id = $1 AND status <> 'deleted' LIMIT 1";

    private const string Literals =
        "INSERT INTO audit (id, who, at, note, amount) VALUES (42, 'jane@example.com', '2026-11-23 10:00:00', 'refund for order 1234', 19.99) /* api */";

    private const string Parameterised = "SELECT id, customer, total FROM orders WHERE id = @p0";

    [Benchmark(Description = "SqlSanitizer, typical query (1 parameter, 1 literal)")]
    public string SanitizeTypical() => SqlSanitizer.Sanitize(Typical);

    [Benchmark(Description = "SqlSanitizer, INSERT with 5 literals and a comment")]
    public string SanitizeLiterals() => SqlSanitizer.Sanitize(Literals);

    [Benchmark(Description = "SqlSanitizer, parameterised, nothing to replace")]
    public string SanitizeParameterised() => SqlSanitizer.Sanitize(Parameterised);
}
