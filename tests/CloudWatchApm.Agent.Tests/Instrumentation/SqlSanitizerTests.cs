// The SQL sanitiser over a corpus of statements from PostgreSQL, MySQL/MariaDB and SQL Server:
// every literal becomes '?', everything that is not a value (identifiers, keywords, parameter
// markers) stays as written, and comments, which can hold values, are dropped.
using CloudWatchApm.Agent.Instrumentation;
using Xunit;

namespace CloudWatchApm.Agent.Tests.Instrumentation;

public sealed class SqlSanitizerTests
{
    public static TheoryData<string, string> Corpus => new()
    {
        // Plain literals.
        { "SELECT * FROM users WHERE name = 'alice'", "SELECT * FROM users WHERE name = ?" },
        { "SELECT * FROM users WHERE id = 42", "SELECT * FROM users WHERE id = ?" },
        { "SELECT * FROM t WHERE price > 10.5 AND ratio < .25", "SELECT * FROM t WHERE price > ? AND ratio < ?" },
        { "SELECT * FROM t WHERE x = 1e10 OR y = 2.5E-3", "SELECT * FROM t WHERE x = ? OR y = ?" },
        { "SELECT * FROM t WHERE x = -7", "SELECT * FROM t WHERE x = -?" },
        { "UPDATE accounts SET balance = balance - 100 WHERE id = 7", "UPDATE accounts SET balance = balance - ? WHERE id = ?" },
        { "INSERT INTO orders (id, status, total) VALUES (1, 'open', 250.00)", "INSERT INTO orders (id, status, total) VALUES (?, ?, ?)" },
        { "INSERT INTO t VALUES (1, 'a'), (2, 'b')", "INSERT INTO t VALUES (?, ?), (?, ?)" },
        { "DELETE FROM sessions WHERE expires < '2024-01-01'", "DELETE FROM sessions WHERE expires < ?" },
        { "SELECT * FROM t WHERE id IN (1, 2, 3)", "SELECT * FROM t WHERE id IN (?, ?, ?)" },
        { "SELECT * FROM t LIMIT 10 OFFSET 20", "SELECT * FROM t LIMIT ? OFFSET ?" },

        // Escapes inside strings must not end them early.
        { "SELECT * FROM t WHERE name = 'O''Brien' AND x = 1", "SELECT * FROM t WHERE name = ? AND x = ?" },
        { "SELECT * FROM t WHERE s = E'it\\'s' AND y = 2", "SELECT * FROM t WHERE s = ? AND y = ?" },
        { "SELECT * FROM t WHERE s = 'a\\' AND y = 2", "SELECT * FROM t WHERE s = ? AND y = ?" },

        // Prefixed string literals.
        { "SELECT * FROM t WHERE name = N'Zoë'", "SELECT * FROM t WHERE name = ?" },
        { "SELECT * FROM t WHERE b = B'1010' OR h = X'1F'", "SELECT * FROM t WHERE b = ? OR h = ?" },
        { "SELECT * FROM t WHERE u = U&'d\\0061t'", "SELECT * FROM t WHERE u = ?" },
        { "SELECT _utf8mb4'text' COLLATE utf8mb4_bin", "SELECT ? COLLATE utf8mb4_bin" },
        { "SELECT 0x1F, 0b101", "SELECT ?, ?" },

        // PostgreSQL dollar quoting and positional parameters.
        { "SELECT $$secret text$$", "SELECT ?" },
        { "DO $body$ BEGIN RAISE NOTICE 'x'; END $body$", "DO ?" },
        { "SELECT * FROM items WHERE id = $1 AND name = $2", "SELECT * FROM items WHERE id = $1 AND name = $2" },
        { "SELECT count(*)::int FROM items AS i WHERE i.price > 10", "SELECT count(*)::int FROM items AS i WHERE i.price > ?" },

        // Named and positional parameters stay.
        { "SELECT * FROM t WHERE id = @id AND p = @p0", "SELECT * FROM t WHERE id = @id AND p = @p0" },
        { "SELECT * FROM t WHERE id = :id", "SELECT * FROM t WHERE id = :id" },
        { "SELECT * FROM t WHERE id = ?", "SELECT * FROM t WHERE id = ?" },

        // Identifiers with digits, quoted identifiers and bracketed names are not values.
        { "SELECT col1, t2.col_3 FROM table1 t2", "SELECT col1, t2.col_3 FROM table1 t2" },
        { "SELECT \"Order 1\" FROM \"My Table\" WHERE x = 5", "SELECT \"Order 1\" FROM \"My Table\" WHERE x = ?" },
        { "SELECT `key 2` FROM `db1`.`t3` WHERE v = 'x'", "SELECT `key 2` FROM `db1`.`t3` WHERE v = ?" },
        { "SELECT [Column 1] FROM [dbo].[Table 2] WHERE id = 9", "SELECT [Column 1] FROM [dbo].[Table 2] WHERE id = ?" },
        { "EXEC dbo.GetUser @UserId = 5", "EXEC dbo.GetUser @UserId = ?" },

        // Comments are dropped; white space collapses.
        { "SELECT 1 -- user alice@example.com\nFROM dual", "SELECT ? FROM dual" },
        { "SELECT /* ssn 123-45-6789 */ name FROM t", "SELECT name FROM t" },
        { "SELECT /* outer /* nested */ still */ a FROM t", "SELECT a FROM t" },
        { "SELECT a # mysql comment 'x'\nFROM t", "SELECT a FROM t" },
        { "SELECT data #> '{a,b}' FROM docs", "SELECT data #> ? FROM docs" },
        { "SELECT\n  a,\n\tb\nFROM   t", "SELECT a, b FROM t" },

        // Nothing to change.
        { "SELECT a FROM t", "SELECT a FROM t" },
        { "BEGIN", "BEGIN" },
        { "CREATE TABLE t (id serial PRIMARY KEY, name text NOT NULL)", "CREATE TABLE t (id serial PRIMARY KEY, name text NOT NULL)" },
        { "SELECT NULL, TRUE, FALSE", "SELECT NULL, TRUE, FALSE" },

        // Unterminated input is still sanitised to the end.
        { "SELECT * FROM t WHERE name = 'unterminated", "SELECT * FROM t WHERE name = ?" },
        { "SELECT $tag$ never closed", "SELECT ?" },
    };

    [Theory]
    [MemberData(nameof(Corpus))]
    public void Sanitize_Statement_ReplacesLiteralsOnly(string sql, string expected)
        => Assert.Equal(expected, SqlSanitizer.Sanitize(sql));

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    public void Sanitize_NullOrEmpty_ReturnsEmpty(string? sql)
        => Assert.Equal(string.Empty, SqlSanitizer.Sanitize(sql));

    [Fact]
    public void Sanitize_SanitisedText_IsUnchanged()
    {
        foreach (var row in Corpus)
        {
            var once = SqlSanitizer.Sanitize((string)row[0]);
            Assert.Equal(once, SqlSanitizer.Sanitize(once));
        }
    }

    [Fact]
    public void Sanitize_VeryLongStatement_IsCutAndMarked()
    {
        var sql = "SELECT " + string.Join(", ", Enumerable.Range(0, 2000).Select(i => "col" + i)) + " FROM t";
        var result = SqlSanitizer.Sanitize(sql);
        Assert.Equal(SqlSanitizer.MaxLength + 3, result.Length);
        Assert.EndsWith("...", result, StringComparison.Ordinal);
    }

    [Fact]
    public void Sanitize_LongStringLiteral_NeverAppearsInOutput()
    {
        var secret = new string('s', 10_000);
        Assert.Equal("SELECT ?", SqlSanitizer.Sanitize("SELECT '" + secret + "'"));
    }

    [Fact]
    public void Sanitize_ParameterisedStatementAgain_SameResultWithoutAllocating()
    {
        SqlSanitizer.ClearCache();
        var sql = "SELECT id, name\n  FROM users WHERE id = @p0 AND tenant = @tenant_" + Guid.NewGuid().ToString("N");
        var first = SqlSanitizer.Sanitize(sql);
        Assert.StartsWith("SELECT id, name FROM users WHERE id = @p0 AND tenant = @tenant_", first, StringComparison.Ordinal);

        var before = GC.GetAllocatedBytesForCurrentThread();
        var again = SqlSanitizer.Sanitize(sql);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Same(first, again);
    }

    [Fact]
    public void Sanitize_StatementWithAConstantLiteralRunAgain_RememberedOnceItComesBack()
    {
        SqlSanitizer.ClearCache();
        var sql = "SELECT id FROM orders WHERE id = $1 AND status <> 'deleted' AND tenant = '" + Guid.NewGuid().ToString("N") + "'";
        var first = SqlSanitizer.Sanitize(sql);
        Assert.Equal("SELECT id FROM orders WHERE id = $1 AND status <> ? AND tenant = ?", first);
        Assert.False(SqlSanitizer.IsCached(sql));

        // The second run remembers it, unless a test sanitising elsewhere at the same moment
        // took its slot in the recently-seen filter; then a later run does.
        for (var run = 2; run <= 4 && !SqlSanitizer.IsCached(sql); run++)
        {
            Assert.Equal(first, SqlSanitizer.Sanitize(sql));
        }

        Assert.True(SqlSanitizer.IsCached(sql));

        var before = GC.GetAllocatedBytesForCurrentThread();
        var third = SqlSanitizer.Sanitize(sql);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Equal(first, third);
        SqlSanitizer.ClearCache();
    }

    [Fact]
    public void Sanitize_StatementsWithLiteralsOrComments_AreNotRememberedWhileEachIsNew()
    {
        for (var i = 0; i < SqlSanitizer.CacheCapacity + 10; i++)
        {
            var literal = "SELECT * FROM t WHERE id = " + i;
            var commented = "SELECT * FROM t /* traceparent='" + i + "' */";
            Assert.Equal("SELECT * FROM t WHERE id = ?", SqlSanitizer.Sanitize(literal));
            Assert.Equal("SELECT * FROM t", SqlSanitizer.Sanitize(commented));
            Assert.False(SqlSanitizer.IsCached(literal));
            Assert.False(SqlSanitizer.IsCached(commented));
        }

        // Bounded whatever the application sends.
        for (var i = 0; i < SqlSanitizer.CacheCapacity + 10; i++)
        {
            SqlSanitizer.Sanitize("SELECT c" + i + " FROM t");
        }

        Assert.True(SqlSanitizer.CachedCount <= SqlSanitizer.CacheCapacity);
        SqlSanitizer.ClearCache();
    }
}
