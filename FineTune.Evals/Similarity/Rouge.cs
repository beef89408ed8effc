using System.Text.RegularExpressions;

namespace FineTune.Evals;

// rouge_1 … rouge_5 and rouge_l as Google's rouge-score computes them (OpenAI's graders use it), reporting the F-measure:
// text lowercased, everything but a-z and 0-9 a separator (so letters outside ASCII drop out, as there), no stemming.
internal static partial class Rouge
{
    public static double N(string input, string reference, int n)
    {
        var (overlap, predicted, target) = new NGrams(Tokens(input), Tokens(reference)).Compare(n);
        return FMeasure((double)overlap / Math.Max(predicted, 1), (double)overlap / Math.Max(target, 1));
    }

    public static double L(string input, string reference)
    {
        var prediction = Tokens(input);
        var target = Tokens(reference);
        if (prediction.Length == 0 || target.Length == 0) return 0;
        var lcs = Lcs.Length(prediction, target);
        return FMeasure((double)lcs / prediction.Length, (double)lcs / target.Length);
    }

    private static double FMeasure(double precision, double recall) =>
        precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0;

    private static string[] Tokens(string text) =>
        NonAlphanumeric().Replace(text.ToLowerInvariant(), " ").Split(' ', StringSplitOptions.RemoveEmptyEntries);

    [GeneratedRegex("[^a-z0-9]+")]
    private static partial Regex NonAlphanumeric();
}
