// The wildcard matching X-Ray sampling rules use: '*' is any run of characters (also none),
// '?' exactly one, everything else literal and case-insensitive, anchored at both ends.
// Runs per span for every candidate rule, so it works on spans and never allocates; the
// single-star backtracking keeps it linear-ish with no recursion.
namespace CloudWatchApm.Agent.Aws.XRay;

internal static class XRayGlob
{
    internal static bool IsMatch(ReadOnlySpan<char> text, ReadOnlySpan<char> pattern)
    {
        if (pattern.Length == 1 && pattern[0] == '*')
        {
            return true;
        }

        var t = 0;
        var p = 0;
        var starP = -1;
        var starT = 0;
        while (t < text.Length)
        {
            if (p < pattern.Length && pattern[p] == '*')
            {
                starP = p++;
                starT = t;
            }
            else if (p < pattern.Length && (pattern[p] == '?' || EqualsIgnoreCase(pattern[p], text[t])))
            {
                p++;
                t++;
            }
            else if (starP >= 0)
            {
                // Let the last '*' swallow one more character and retry from there.
                p = starP + 1;
                t = ++starT;
            }
            else
            {
                return false;
            }
        }

        while (p < pattern.Length && pattern[p] == '*')
        {
            p++;
        }

        return p == pattern.Length;
    }

    private static bool EqualsIgnoreCase(char a, char b)
        => a == b || char.ToUpperInvariant(a) == char.ToUpperInvariant(b);
}
