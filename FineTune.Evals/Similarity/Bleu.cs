namespace FineTune.Evals;

// bleu and gleu as NLTK computes them for one sentence and one reference (OpenAI's graders run NLTK), over whitespace
// tokens. BLEU: 4-gram, equal weights, brevity penalty, no smoothing: an order with no match counts as the smallest
// normal double, as NLTK's method0 does, which leaves the score near 0. GLEU: Google's sentence GLEU over 1- to 4-grams.
internal static class Bleu
{
    // Python's sys.float_info.min, NLTK's stand-in for a zero precision.
    private const double SmallestNormal = 2.2250738585072014E-308;

    public static double Score(string input, string reference)
    {
        var hypothesis = Tokens(input);
        var target = Tokens(reference);
        var logSum = 0.0;
        for (var n = 1; n <= 4; n++)
        {
            var counts = NGrams.Count(hypothesis, n);
            var matches = NGrams.Overlap(counts, NGrams.Count(target, n));
            if (n == 1 && matches == 0) return 0;
            var precision = matches == 0 ? SmallestNormal : (double)matches / Math.Max(1, counts.Values.Sum());
            logSum += 0.25 * Math.Log(precision);
        }
        return BrevityPenalty(hypothesis.Length, target.Length) * Math.Exp(logSum);
    }

    public static double Gleu(string input, string reference)
    {
        var hypothesis = Tokens(input);
        var target = Tokens(reference);
        int matches = 0, hypothesisGrams = 0, targetGrams = 0;
        for (var n = 1; n <= 4; n++)
        {
            var counts = NGrams.Count(hypothesis, n);
            var targetCounts = NGrams.Count(target, n);
            matches += NGrams.Overlap(counts, targetCounts);
            hypothesisGrams += counts.Values.Sum();
            targetGrams += targetCounts.Values.Sum();
        }
        var all = Math.Max(hypothesisGrams, targetGrams);
        return all == 0 ? 0 : (double)matches / all;
    }

    private static double BrevityPenalty(int hypothesisLength, int referenceLength) =>
        hypothesisLength > referenceLength ? 1 : hypothesisLength == 0 ? 0 : Math.Exp(1 - (double)referenceLength / hypothesisLength);

    private static string[] Tokens(string text) => text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
}
