using System.Globalization;

namespace FineTune.Evals;

// One item's outcome in two runs (A, the baseline, and B): passed or not (null: errored), and the mean grader score.
public sealed record PairedOutcome(int Line, bool? PassedA, bool? PassedB, double? ScoreA, double? ScoreB);

// Whether a run differs from the baseline item by item, and whether the difference is real: McNemar's exact test on
// pass/fail, a paired bootstrap on scores, and the finding in words ("B passes 14 more of 120 items; p = 0.003").
// AdjustedPValue is the p-value after Holm's correction when several runs are compared with one baseline (PValue when one is).
public sealed record RunComparison(string Label, int Improved, int Regressed, int Unchanged, double PValue, double AdjustedPValue,
    double MeanScoreDifference, double ConfidenceLow, double ConfidenceHigh, string Summary)
{
    // Below this p-value the difference is called real.
    public const double Significance = 0.05;

    // The baseline is A; the runs compared with it are B, C, … in order.
    public const int MaxComparedRuns = 7;

    public static RunComparison Compare(IReadOnlyList<PairedOutcome> outcomes, int bootstrapSeed = 1) => CompareEach([outcomes], bootstrapSeed)[0];

    // Each run's outcomes against the baseline's. Asked of several runs at once, "p < 0.05" would call some run different by
    // chance more often than one time in twenty, so the verdict reads Holm's adjusted p-value, which keeps that chance at 5 %.
    // Items that errored in either run are unchanged and left out of the test; scores compare where both runs have one.
    public static IReadOnlyList<RunComparison> CompareEach(IReadOnlyList<IReadOnlyList<PairedOutcome>> againstBaseline, int bootstrapSeed = 1)
    {
        if (againstBaseline.Count is 0 or > MaxComparedRuns)
            throw new ArgumentOutOfRangeException(nameof(againstBaseline), $"Compare 1 to {MaxComparedRuns} runs with the baseline.");
        var pValues = againstBaseline.Select(outcomes =>
            McNemar.ExactPValue(outcomes.Count(o => o is { PassedA: false, PassedB: true }), outcomes.Count(o => o is { PassedA: true, PassedB: false }))).ToList();
        var adjusted = Holm(pValues);
        return againstBaseline.Select((outcomes, index) =>
            CompareOne(((char)('B' + index)).ToString(), outcomes, pValues[index], adjusted[index], againstBaseline.Count, bootstrapSeed)).ToList();
    }

    private static RunComparison CompareOne(string label, IReadOnlyList<PairedOutcome> outcomes, double p, double adjusted, int comparisons, int bootstrapSeed)
    {
        var improved = outcomes.Count(o => o is { PassedA: false, PassedB: true });
        var regressed = outcomes.Count(o => o is { PassedA: true, PassedB: false });
        var errored = outcomes.Count(o => o.PassedA is null || o.PassedB is null);

        var differences = outcomes.Where(o => o.ScoreA is not null && o.ScoreB is not null).Select(o => o.ScoreB!.Value - o.ScoreA!.Value).ToList();
        var mean = differences.Count == 0 ? 0 : differences.Average();
        var (low, high) = PairedBootstrap.Interval(differences, bootstrapSeed);

        var net = improved - regressed;
        var passes = net switch
        {
            > 0 => $"{label} passes {net} more of {outcomes.Count} items",
            < 0 => $"{label} passes {-net} fewer of {outcomes.Count} items",
            _ => $"{label} passes as many of {outcomes.Count} items as A",
        };
        var counts = errored > 0
            ? $"{improved} improved, {regressed} regressed, {errored} errored in a run and left out"
            : $"{improved} improved, {regressed} regressed";
        var test = comparisons == 1 ? FormatP(p) : $"{FormatP(p)}, {FormatP(adjusted)} after Holm's correction for {comparisons} runs";
        var verdict = adjusted < Significance ? "a real difference" : "which could be chance";
        var scores = differences.Count == 0
            ? "No item has a score in both runs."
            : $"Mean score {Signed(mean)} (95% CI {Signed(low)} to {Signed(high)}).";
        var summary = $"{passes} ({counts}); {test}, {verdict}. {scores}";
        return new RunComparison(label, improved, regressed, outcomes.Count - improved - regressed, p, adjusted, mean, low, high, summary);
    }

    // Holm's step-down correction: the k-th smallest of m p-values is multiplied by m − k + 1, and no adjusted value is
    // smaller than that of a smaller p-value.
    private static double[] Holm(List<double> pValues)
    {
        var order = Enumerable.Range(0, pValues.Count).OrderBy(index => pValues[index]).ToList();
        var adjusted = new double[pValues.Count];
        var running = 0.0;
        for (var rank = 0; rank < order.Count; rank++)
        {
            running = Math.Max(running, Math.Min(1, (pValues.Count - rank) * pValues[order[rank]]));
            adjusted[order[rank]] = running;
        }
        return adjusted;
    }

    // Two significant digits, as a p-value deserves: p = 0.0094, p = 0.41, p = 1.
    public static string FormatP(double p) => p < 0.0001 ? "p < 0.0001" : "p = " + p.ToString("G2", CultureInfo.InvariantCulture);

    private static string Signed(double value) => value.ToString("+0.000;-0.000;0.000", CultureInfo.InvariantCulture);
}
