namespace FineTune.Evals;

// One item's outcome in two runs (A, the baseline, and B): passed or not (null: errored), and the mean grader score.
public sealed record PairedOutcome(int Line, bool? PassedA, bool? PassedB, double? ScoreA, double? ScoreB);

// Whether B differs from A item by item, and whether the difference is real: McNemar's exact test on pass/fail, a paired
// bootstrap on scores, and the finding in words ("B passes 14 more of 120 items; p = 0.003").
public sealed record RunComparison(int Improved, int Regressed, int Unchanged, double PValue, double MeanScoreDifference,
    double ConfidenceLow, double ConfidenceHigh, string Summary)
{
    public static RunComparison Compare(IReadOnlyList<PairedOutcome> outcomes, int bootstrapSeed = 1) => throw new NotImplementedException();
}
