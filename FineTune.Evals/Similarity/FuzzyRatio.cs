namespace FineTune.Evals;

// fuzzy_match as rapidfuzz's fuzz.ratio, over 1 rather than 100: the normalized Indel similarity, 2·LCS / (|a| + |b|),
// where LCS is the longest common subsequence of characters (Unicode code points, as Python counts them).
internal static class FuzzyRatio
{
    public static double Similarity(string a, string b)
    {
        var x = CodePoints(a);
        var y = CodePoints(b);
        if (x.Length + y.Length == 0) return 1;
        return 2.0 * Lcs.Length(x, y) / (x.Length + y.Length);
    }

    private static int[] CodePoints(string text) => [.. text.EnumerateRunes().Select(rune => rune.Value)];
}

// The length of the longest common subsequence, one row at a time.
internal static class Lcs
{
    public static int Length<T>(IReadOnlyList<T> a, IReadOnlyList<T> b)
    {
        var previous = new int[b.Count + 1];
        var current = new int[b.Count + 1];
        for (var i = 1; i <= a.Count; i++)
        {
            for (var j = 1; j <= b.Count; j++)
            {
                current[j] = EqualityComparer<T>.Default.Equals(a[i - 1], b[j - 1]) ? previous[j - 1] + 1 : Math.Max(previous[j], current[j - 1]);
            }
            (previous, current) = (current, previous);
        }
        return previous[b.Count];
    }
}
