// The SQL sanitiser runs on every database span (Npgsql, MySqlConnector, SqlClient) before
// export. A statement the application runs again is answered from the sanitiser's cache; a new
// one is sanitised, and the result string is then the one allocation the work needs: anything
// above the size of that string is overhead.
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

    // Statements with a value spliced into the text, as string-built SQL has: each is new to the
    // sanitiser. Far more of them than its recently-seen filter holds, so none is remembered.
    private string[] _spliced = [];
    private int _next;

    [GlobalSetup]
    public void Setup()
    {
        _spliced = new string[16_384];
        for (var i = 0; i < _spliced.Length; i++)
        {
            _spliced[i] = "SELECT id, customer, total FROM orders WHERE id = " + (100_000 + i) + " AND status <> 'deleted' LIMIT 1";
        }
    }

    [Benchmark(Description = "SqlSanitizer, typical query (1 parameter, 1 literal), run again")]
    public string SanitizeTypical() => SqlSanitizer.Sanitize(Typical);

    [Benchmark(Description = "SqlSanitizer, INSERT with 5 literals and a comment, run again")]
    public string SanitizeLiterals() => SqlSanitizer.Sanitize(Literals);

    [Benchmark(Description = "SqlSanitizer, parameterised, nothing to replace")]
    public string SanitizeParameterised() => SqlSanitizer.Sanitize(Parameterised);

    [Benchmark(Description = "SqlSanitizer, a new statement each time (a value spliced in)")]
    public string SanitizeNew()
    {
        var sql = _spliced[_next];
        _next = (_next + 1) & (_spliced.Length - 1);
        return SqlSanitizer.Sanitize(sql);
    }
}
