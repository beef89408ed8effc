namespace FineTune.Evals;

// rouge_1 … rouge_5 and rouge_l as Google's rouge-score computes them (OpenAI's graders use it), reporting the F-measure:
// text lowercased, everything but a-z and 0-9 a separator (so letters outside ASCII drop out, as there; WordNumbers), no stemming.
internal static class Rouge
{
    public static double N(string input, string reference, int n)
    {
        var words = new WordNumbers();
        var (overlap, predicted, target) = new NGrams(words.LowercaseAlphanumeric(input), words.LowercaseAlphanumeric(reference), words).Compare(n);
        return FMeasure((double)overlap / Math.Max(predicted, 1), (double)overlap / Math.Max(target, 1));
    }

    public static double L(string input, string reference)
    {
        var words = new WordNumbers();
        var prediction = words.LowercaseAlphanumeric(input);
        var target = words.LowercaseAlphanumeric(reference);
        if (prediction.Length == 0 || target.Length == 0) return 0;
        var lcs = Lcs.Length(prediction, target);
        return FMeasure((double)lcs / prediction.Length, (double)lcs / target.Length);
    }

    private static double FMeasure(double precision, double recall) =>
        precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0;
}
