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
    public static int Length(ReadOnlySpan<int> a, ReadOnlySpan<int> b)
    {
        // A common start and end are part of a longest common subsequence; only what lies between is compared.
        var prefix = a.CommonPrefixLength(b);
        a = a[prefix..];
        b = b[prefix..];
        var suffix = 0;
        while (suffix < a.Length && suffix < b.Length && a[^(suffix + 1)] == b[^(suffix + 1)]) suffix++;
        a = a[..^suffix];
        b = b[..^suffix];
        // The work is a's length in words times b's length: the shorter one in bits.
        return prefix + suffix + (a.Length <= b.Length ? BitParallel(a, b) : BitParallel(b, a));
    }

    private static int BitParallel(ReadOnlySpan<int> a, ReadOnlySpan<int> b)
    {
        if (a.Length == 0 || b.Length == 0) return 0;
        var words = (a.Length + 63) / 64;
        // Each distinct symbol of a gets a row of masks, one array for all rows: bit i of its row is set when a[i] is that
        // symbol. A table finds the row of an ASCII character (or a small word number) without hashing.
        Span<int> asciiRow = stackalloc int[128];
        asciiRow.Fill(-1);
        Dictionary<int, int>? otherRows = null;
        var rowOf = new int[a.Length];
        var rows = 0;
        for (var i = 0; i < a.Length; i++)
        {
            var symbol = a[i];
            if (symbol is >= 0 and < 128)
            {
                if (asciiRow[symbol] < 0) asciiRow[symbol] = rows++;
                rowOf[i] = asciiRow[symbol];
            }
            else
            {
                otherRows ??= [];
                if (!otherRows.TryGetValue(symbol, out var row)) otherRows[symbol] = row = rows++;
                rowOf[i] = row;
            }
        }
        var masks = new ulong[rows * words];
        for (var i = 0; i < a.Length; i++) masks[rowOf[i] * words + i / 64] |= 1UL << (i % 64);

        // A zero bit in matched marks a symbol of a that is part of the common subsequence so far.
        var matched = new ulong[words];
        Array.Fill(matched, ulong.MaxValue);
        foreach (var symbol in b)
        {
            var row = symbol is >= 0 and < 128 ? asciiRow[symbol] : otherRows is not null && otherRows.TryGetValue(symbol, out var found) ? found : -1;
            if (row < 0) continue;
            var mask = masks.AsSpan(row * words, words);
            var carry = 0UL;
            for (var w = 0; w < words; w++)
            {
                var current = matched[w];
                var hits = current & mask[w];
                var sum = current + hits;
                var withCarry = sum + carry;
                carry = sum < current || withCarry < sum ? 1UL : 0UL;
                matched[w] = withCarry | (current - hits);
            }
        }
        var length = 0;
        for (var w = 0; w < words; w++) length += System.Numerics.BitOperations.PopCount(~matched[w]);
        return length;
    }
}
