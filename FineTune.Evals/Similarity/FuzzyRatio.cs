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

    private static int[] CodePoints(string text)
    {
        var points = new int[text.Length];
        var count = 0;
        foreach (var rune in text.EnumerateRunes()) points[count++] = rune.Value;
        return count == points.Length ? points : points[..count];
    }
}

// The length of the longest common subsequence of two symbol lists, bit-parallel as rapidfuzz computes it (Hyyrö, 2004):
// one bit per symbol of a, 64 to a word, so comparing two answers of a thousand characters takes 16 word operations per
// character of b rather than a thousand table cells.
internal static class Lcs
{
    public static int Length(int[] a, int[] b)
    {
        if (a.Length == 0 || b.Length == 0) return 0;
        var words = (a.Length + 63) / 64;
        // Where each symbol stands in a: bit i of its mask is set when a[i] is that symbol.
        var masks = new Dictionary<int, ulong[]>();
        for (var i = 0; i < a.Length; i++)
        {
            if (!masks.TryGetValue(a[i], out var mask)) masks[a[i]] = mask = new ulong[words];
            mask[i / 64] |= 1UL << (i % 64);
        }
        // A zero bit in rows marks a symbol of a that is part of the common subsequence so far.
        var rows = new ulong[words];
        Array.Fill(rows, ulong.MaxValue);
        foreach (var symbol in b)
        {
            if (!masks.TryGetValue(symbol, out var mask)) continue;
            var carry = 0UL;
            for (var w = 0; w < words; w++)
            {
                var row = rows[w];
                var matched = row & mask[w];
                var sum = row + matched;
                var withCarry = sum + carry;
                carry = sum < row || withCarry < sum ? 1UL : 0UL;
                rows[w] = withCarry | (row - matched);
            }
        }
        var length = 0;
        for (var w = 0; w < words; w++) length += System.Numerics.BitOperations.PopCount(~rows[w]);
        return length;
    }

    // Words as symbols: each distinct word one number.
    public static int Length(string[] a, string[] b)
    {
        var ids = new Dictionary<string, int>(StringComparer.Ordinal);
        return Length(NGrams.Number(a, ids), NGrams.Number(b, ids));
    }
}
