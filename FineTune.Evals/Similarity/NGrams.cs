namespace FineTune.Evals;

// Counted n-grams of a token list, the unit BLEU, GLEU and ROUGE-N compare.
internal static class NGrams
{
    public static Dictionary<string, int> Count(IReadOnlyList<string> tokens, int n)
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i + n <= tokens.Count; i++)
        {
            // A separator no token holds, so ("a b", "c") and ("a", "b c") stay apart.
            var key = string.Join('\u0001', tokens.Skip(i).Take(n));
            counts[key] = counts.GetValueOrDefault(key) + 1;
        }
        return counts;
    }

    // Matches: each n-gram counts as often as it appears in both.
    public static int Overlap(Dictionary<string, int> a, Dictionary<string, int> b) =>
        a.Sum(pair => Math.Min(pair.Value, b.GetValueOrDefault(pair.Key)));
}
