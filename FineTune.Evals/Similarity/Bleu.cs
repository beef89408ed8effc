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
        var grams = Grams(input, reference);
        var logSum = 0.0;
        for (var n = 1; n <= 4; n++)
        {
            var (matches, count, _) = grams.Compare(n);
            if (n == 1 && matches == 0) return 0;
            var precision = matches == 0 ? SmallestNormal : (double)matches / Math.Max(1, count);
            logSum += 0.25 * Math.Log(precision);
        }
        return BrevityPenalty(grams.HypothesisLength, grams.ReferenceLength) * Math.Exp(logSum);
    }

    public static double Gleu(string input, string reference)
    {
        var grams = Grams(input, reference);
        int matches = 0, hypothesisGrams = 0, targetGrams = 0;
        for (var n = 1; n <= 4; n++)
        {
            var (matched, hypothesisCount, referenceCount) = grams.Compare(n);
            matches += matched;
            hypothesisGrams += hypothesisCount;
            targetGrams += referenceCount;
        }
        var all = Math.Max(hypothesisGrams, targetGrams);
        return all == 0 ? 0 : (double)matches / all;
    }

    private static double BrevityPenalty(int hypothesisLength, int referenceLength) =>
        hypothesisLength > referenceLength ? 1 : hypothesisLength == 0 ? 0 : Math.Exp(1 - (double)referenceLength / hypothesisLength);

    private static NGrams Grams(string input, string reference)
    {
        var words = new WordNumbers();
        return new NGrams(words.BetweenWhiteSpace(input), words.BetweenWhiteSpace(reference), words);
    }
}
