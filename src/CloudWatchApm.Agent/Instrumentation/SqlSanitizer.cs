// Replaces the literals in a SQL statement with '?' so that db.query.text never carries the
// values an application put into its SQL (names, e-mail addresses, ids). One pass over the
// text, no regular expressions: string, dollar-quoted, hex, bit and numeric literals become
// '?'; identifiers (plain, "quoted", `backticked`, [bracketed]), keywords, operators and
// parameter markers ($1, @p0, :name, ?) stay; comments are dropped because they can hold
// values too. It works on PostgreSQL, MySQL/MariaDB and SQL Server dialects alike.
using System.Collections.Concurrent;
using System.Text;

namespace CloudWatchApm.Agent.Instrumentation;

internal static class SqlSanitizer
{
    /// <summary>Longest statement kept; longer ones are cut (after sanitising) and marked.</summary>
    internal const int MaxLength = 4096;

    /// <summary>How many statements are remembered (see <see cref="Sanitize"/>).</summary>
    internal const int CacheCapacity = 1024;

    /// <summary>Slots of the recently-seen filter for statements with literals or comments.</summary>
    private const int SeenSlots = 256;

    // Statements without literals or comments are the parameterised ones an application runs
    // over and over (ORMs, Dapper, prepared statements): their sanitised text is remembered, so
    // each later run costs one lookup and no allocation. Statements with literals or comments
    // are remembered only once they come back: a constant in the code (status <> 'deleted')
    // repeats on every run, while values spliced into the text and sqlcommenter trace ids make
    // every statement new, and those must not fill the cache. What is kept stays in the
    // process's memory only (the raw text as the key); nothing unsanitised is ever exported.
    // Bounded: once full, nothing more is added.
    private static readonly ConcurrentDictionary<string, string> Known = new(StringComparer.Ordinal);

    // The hash codes of recent statements with literals or comments, one per slot; a statement
    // whose hash is already in its slot has been seen before. Unsynchronised on purpose: a lost
    // or torn update only delays remembering a statement.
    private static readonly int[] Seen = new int[SeenSlots];

    // Known's size, kept here: ConcurrentDictionary.Count takes every lock of the dictionary,
    // which a miss on a busy database path must not do.
    private static int _cachedCount;

    [ThreadStatic]
    private static StringBuilder? _builder;

    internal static int CachedCount => Known.Count;

    internal static bool IsCached(string sql) => Known.ContainsKey(sql);

    /// <summary>Forgets the remembered and the recently seen statements (tests).</summary>
    internal static void ClearCache()
    {
        Known.Clear();
        Array.Clear(Seen);
        Volatile.Write(ref _cachedCount, 0);
    }

    internal static string Sanitize(string? sql)
    {
        if (string.IsNullOrEmpty(sql))
        {
            return string.Empty;
        }

        if (Known.TryGetValue(sql, out var known))
        {
            return known;
        }

        var sb = _builder ?? new StringBuilder(256);
        _builder = null;
        sb.Clear();
        var result = SanitizeInto(sb, sql, out var varying);
        if (sql.Length <= MaxLength && Volatile.Read(ref _cachedCount) < CacheCapacity && (!varying || SeenBefore(sql)) && Known.TryAdd(sql, result))
        {
            Interlocked.Increment(ref _cachedCount);
        }

        if (sb.Capacity <= 2 * MaxLength)
        {
            _builder = sb;
        }

        return result;
    }

    /// <summary>True when the statement was among the recent ones; otherwise notes it.</summary>
    private static bool SeenBefore(string sql)
    {
        var hash = StringComparer.Ordinal.GetHashCode(sql);
        ref var slot = ref Seen[(uint)hash % SeenSlots];
        if (slot == hash && hash != 0)
        {
            return true;
        }

        slot = hash;
        return false;
    }

    private static string SanitizeInto(StringBuilder sb, string sql, out bool varying)
    {
        varying = false;
        var i = 0;
        var n = sql.Length;
        while (i < n && sb.Length <= MaxLength)
        {
            var c = sql[i];

            // -- line comment
            if (c == '-' && i + 1 < n && sql[i + 1] == '-')
            {
                i = SkipLineComment(sql, i);
                varying = true;
                continue;
            }

            // # line comment (MySQL); PostgreSQL's #> and #- operators are kept.
            if (c == '#' && !(i + 1 < n && sql[i + 1] is '>' or '-'))
            {
                i = SkipLineComment(sql, i);
                varying = true;
                continue;
            }

            // /* block comment */ (nesting as PostgreSQL allows)
            if (c == '/' && i + 1 < n && sql[i + 1] == '*')
            {
                i = SkipBlockComment(sql, i);
                AppendSeparator(sb);
                varying = true;
                continue;
            }

            // String literals, with their prefixes: N'..', E'..', B'..', X'..', U&'..', _utf8'..'
            if (c == '\'')
            {
                i = SkipQuoted(sql, i, '\'', backslashEscapes: false);
                varying = AppendLiteral(sb);
                continue;
            }

            if (IsStringPrefix(sql, i, out var prefixLength))
            {
                var backslash = char.ToUpperInvariant(c) == 'E';
                i = SkipQuoted(sql, i + prefixLength, '\'', backslash);
                varying = AppendLiteral(sb);
                continue;
            }

            // Dollar-quoted string ($$...$$ or $tag$...$tag$) versus a $1 parameter.
            if (c == '$')
            {
                if (i + 1 < n && char.IsAsciiDigit(sql[i + 1]))
                {
                    var start = i;
                    i++;
                    while (i < n && char.IsAsciiDigit(sql[i]))
                    {
                        i++;
                    }

                    sb.Append(sql, start, i - start);
                    continue;
                }

                if (TrySkipDollarQuoted(sql, i, out var end))
                {
                    i = end;
                    varying = AppendLiteral(sb);
                    continue;
                }

                sb.Append(c);
                i++;
                continue;
            }

            // Quoted identifiers are kept as written.
            if (c is '"' or '`')
            {
                var end = SkipQuoted(sql, i, c, backslashEscapes: false);
                sb.Append(sql, i, end - i);
                i = end;
                continue;
            }

            if (c == '[')
            {
                var end = sql.IndexOf(']', i + 1);
                end = end < 0 ? n : end + 1;
                sb.Append(sql, i, end - i);
                i = end;
                continue;
            }

            // Identifiers, keywords and named parameters (@p0, :name) are kept whole, so digits
            // inside them ("table1", "@p1") are not taken for numbers.
            if (IsIdentifierStart(c) || ((c is '@' or ':') && i + 1 < n && IsIdentifierPart(sql[i + 1])))
            {
                var start = i;
                i++;
                while (i < n && IsIdentifierPart(sql[i]))
                {
                    i++;
                }

                sb.Append(sql, start, i - start);
                continue;
            }

            // Numbers: 42, 3.14, .5, 1e-3, 0x1F (hex), 0b101.
            if (char.IsAsciiDigit(c) || (c == '.' && i + 1 < n && char.IsAsciiDigit(sql[i + 1])))
            {
                i = SkipNumber(sql, i);
                varying = AppendLiteral(sb);
                continue;
            }

            if (char.IsWhiteSpace(c))
            {
                // Runs of white space (including new lines) become one space.
                AppendSeparator(sb);
                while (i < n && char.IsWhiteSpace(sql[i]))
                {
                    i++;
                }

                continue;
            }

            sb.Append(c);
            i++;
        }

        var result = TrimEnd(sb);
        if (i < n || result.Length > MaxLength)
        {
            return result[..Math.Min(result.Length, MaxLength)] + "...";
        }

        return result;
    }

    private static string TrimEnd(StringBuilder sb)
    {
        var end = sb.Length;
        while (end > 0 && sb[end - 1] == ' ')
        {
            end--;
        }

        var start = 0;
        while (start < end && sb[start] == ' ')
        {
            start++;
        }

        return sb.ToString(start, end - start);
    }

    private static void AppendSeparator(StringBuilder sb)
    {
        if (sb.Length > 0 && sb[^1] != ' ')
        {
            sb.Append(' ');
        }
    }

    private static bool AppendLiteral(StringBuilder sb)
    {
        // A negative number's sign stays as the operator it may be: "x - 1" -> "x - ?", "-1" -> "-?".
        sb.Append('?');
        return true;
    }

    private static bool IsIdentifierStart(char c) => char.IsLetter(c) || c == '_';

    private static bool IsIdentifierPart(char c) => char.IsLetterOrDigit(c) || c is '_' or '$';

    private static int SkipLineComment(string sql, int i)
    {
        var end = sql.IndexOf('\n', i);
        return end < 0 ? sql.Length : end;
    }

    private static int SkipBlockComment(string sql, int i)
    {
        var depth = 0;
        var n = sql.Length;
        while (i < n)
        {
            if (sql[i] == '/' && i + 1 < n && sql[i + 1] == '*')
            {
                depth++;
                i += 2;
            }
            else if (sql[i] == '*' && i + 1 < n && sql[i + 1] == '/')
            {
                depth--;
                i += 2;
                if (depth == 0)
                {
                    return i;
                }
            }
            else
            {
                i++;
            }
        }

        return n;
    }

    /// <summary>Skips a quoted run starting at the opening quote; a doubled quote is an escaped one.</summary>
    private static int SkipQuoted(string sql, int i, char quote, bool backslashEscapes)
    {
        var n = sql.Length;
        i++;
        while (i < n)
        {
            var c = sql[i];
            if (backslashEscapes && c == '\\')
            {
                i += 2;
                continue;
            }

            if (c == quote)
            {
                if (i + 1 < n && sql[i + 1] == quote)
                {
                    i += 2;
                    continue;
                }

                return i + 1;
            }

            i++;
        }

        return n;
    }

    /// <summary>N'..', E'..', B'..', X'..' (any case), U&amp;'..' and MySQL charset introducers _utf8mb4'..'.</summary>
    private static bool IsStringPrefix(string sql, int i, out int prefixLength)
    {
        prefixLength = 0;
        var n = sql.Length;
        var c = char.ToUpperInvariant(sql[i]);

        // The prefix must not be the end of a longer identifier ("WHEREX'..'" is not a thing, but "col_n" followed by ' would be).
        if (i > 0 && IsIdentifierPart(sql[i - 1]))
        {
            return false;
        }

        if (c is 'N' or 'E' or 'B' or 'X' && i + 1 < n && sql[i + 1] == '\'')
        {
            prefixLength = 1;
            return true;
        }

        if (c == 'U' && i + 2 < n && sql[i + 1] == '&' && sql[i + 2] == '\'')
        {
            prefixLength = 2;
            return true;
        }

        if (sql[i] == '_')
        {
            var j = i + 1;
            while (j < n && char.IsAsciiLetterOrDigit(sql[j]))
            {
                j++;
            }

            if (j > i + 1 && j < n && sql[j] == '\'')
            {
                prefixLength = j - i;
                return true;
            }
        }

        return false;
    }

    private static bool TrySkipDollarQuoted(string sql, int i, out int end)
    {
        // $tag$ where tag is empty or an identifier without '$'.
        end = i;
        var n = sql.Length;
        var j = i + 1;
        while (j < n && (char.IsLetterOrDigit(sql[j]) || sql[j] == '_'))
        {
            j++;
        }

        if (j >= n || sql[j] != '$' || (j > i + 1 && char.IsAsciiDigit(sql[i + 1])))
        {
            return false;
        }

        var tag = sql.AsSpan(i, j - i + 1);
        var close = sql.AsSpan(j + 1).IndexOf(tag, StringComparison.Ordinal);
        end = close < 0 ? n : j + 1 + close + tag.Length;
        return true;
    }

    private static int SkipNumber(string sql, int i)
    {
        var n = sql.Length;
        if (sql[i] == '0' && i + 1 < n && (sql[i + 1] is 'x' or 'X' or 'b' or 'B'))
        {
            i += 2;
            while (i < n && char.IsAsciiHexDigit(sql[i]))
            {
                i++;
            }

            return i;
        }

        while (i < n && (char.IsAsciiDigit(sql[i]) || sql[i] == '.'))
        {
            i++;
        }

        if (i < n && (sql[i] is 'e' or 'E'))
        {
            var j = i + 1;
            if (j < n && (sql[j] is '+' or '-'))
            {
                j++;
            }

            if (j < n && char.IsAsciiDigit(sql[j]))
            {
                i = j;
                while (i < n && char.IsAsciiDigit(sql[i]))
                {
                    i++;
                }
            }
        }

        return i;
    }
}
