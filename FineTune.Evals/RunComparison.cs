using System.Globalization;

namespace FineTune.Evals;

// One item's outcome in two runs (A, the baseline, and B): passed or not (null: errored), and the mean grader score.
public sealed record PairedOutcome(int Line, bool? PassedA, bool? PassedB, double? ScoreA, double? ScoreB);

// Whether B differs from A item by item, and whether the difference is real: McNemar's exact test on pass/fail, a paired
// bootstrap on scores, and the finding in words ("B passes 14 more of 120 items; p = 0.003").
public sealed record RunComparison(int Improved, int Regressed, int Unchanged, double PValue, double MeanScoreDifference,
    double ConfidenceLow, double ConfidenceHigh, string Summary)
{
    // Below this p-value the difference is called real.
    public const double Significance = 0.05;

    // Items that errored in either run are unchanged and left out of the test; scores compare where both runs have one.
    public static RunComparison Compare(IReadOnlyList<PairedOutcome> outcomes, int bootstrapSeed = 1)
    {
        var improved = outcomes.Count(o => o is { PassedA: false, PassedB: true });
        var regressed = outcomes.Count(o => o is { PassedA: true, PassedB: false });
        var errored = outcomes.Count(o => o.PassedA is null || o.PassedB is null);
        var p = McNemar.ExactPValue(improved, regressed);

        var differences = outcomes.Where(o => o.ScoreA is not null && o.ScoreB is not null).Select(o => o.ScoreB!.Value - o.ScoreA!.Value).ToList();
        var mean = differences.Count == 0 ? 0 : differences.Average();
        var (low, high) = PairedBootstrap.Interval(differences, bootstrapSeed);

        var summary = Describe(outcomes.Count, improved, regressed, errored, p, mean, low, high, differences.Count);
        return new RunComparison(improved, regressed, outcomes.Count - improved - regressed, p, mean, low, high, summary);
    }

    private static string Describe(int items, int improved, int regressed, int errored, double p, double mean, double low, double high, int scored)
    {
        var net = improved - regressed;
        var passes = net switch
        {
            > 0 => $"B passes {net} more of {items} items",
            < 0 => $"B passes {-net} fewer of {items} items",
            _ => $"B passes as many of {items} items as A",
        };
        var counts = errored > 0
            ? $"{improved} improved, {regressed} regressed, {errored} errored in a run and left out"
            : $"{improved} improved, {regressed} regressed";
        var verdict = p < Significance ? "a real difference" : "which could be chance";
        var scores = scored == 0
            ? "No item has a score in both runs."
            : $"Mean score {Signed(mean)} (95% CI {Signed(low)} to {Signed(high)}).";
        return $"{passes} ({counts}); {FormatP(p)}, {verdict}. {scores}";
    }

    // Two significant digits, as a p-value deserves: p = 0.0094, p = 0.41, p = 1.
    private static string FormatP(double p) => p < 0.0001 ? "p < 0.0001" : "p = " + p.ToString("G2", CultureInfo.InvariantCulture);

    private static string Signed(double value) => value.ToString("+0.000;-0.000;0.000", CultureInfo.InvariantCulture);
}
