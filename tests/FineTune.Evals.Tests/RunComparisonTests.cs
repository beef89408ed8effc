namespace FineTune.Evals.Tests;

public sealed class RunComparisonTests
{
    private static IEnumerable<PairedOutcome> Repeat(int count, bool? a, bool? b, double? scoreA = null, double? scoreB = null) =>
        Enumerable.Range(0, count).Select(_ => new PairedOutcome(0, a, b, scoreA ?? (a == true ? 1 : 0), scoreB ?? (b == true ? 1 : 0)));

    [Fact]
    public void Twenty_improved_and_six_regressed_of_120_is_a_real_difference()
    {
        // b = 20, c = 6, n = 26: p = 2·P(X <= 6), X ~ Bin(26, ½) = 2·(1 + 26 + 325 + 2600 + 14950 + 65780 + 230230) / 2^26
        // = 2·313912 / 67108864 = 0.009355306625366211.
        List<PairedOutcome> outcomes = [.. Repeat(20, false, true), .. Repeat(6, true, false), .. Repeat(60, true, true), .. Repeat(34, false, false)];

        var comparison = RunComparison.Compare(outcomes);

        Assert.Equal((20, 6, 94), (comparison.Improved, comparison.Regressed, comparison.Unchanged));
        Assert.Equal(0.009355306625366211, comparison.PValue, 14);
        // Mean score difference (20 − 6) / 120.
        Assert.Equal(14.0 / 120, comparison.MeanScoreDifference, 12);
        Assert.StartsWith("B passes 14 more of 120 items (20 improved, 6 regressed); p = 0.0094, a real difference.", comparison.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void Five_improved_and_three_regressed_could_be_chance()
    {
        // 2·P(X <= 3), X ~ Bin(8, ½) = 2·(1 + 8 + 28 + 56) / 256 = 0.7265625.
        List<PairedOutcome> outcomes = [.. Repeat(5, false, true), .. Repeat(3, true, false), .. Repeat(12, true, true)];

        var comparison = RunComparison.Compare(outcomes);

        Assert.Equal(0.7265625, comparison.PValue, 14);
        Assert.StartsWith("B passes 2 more of 20 items (5 improved, 3 regressed); p = 0.73, which could be chance.", comparison.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void Errored_items_are_unchanged_and_left_out_of_the_test()
    {
        // Only b = 3, c = 0 count: p = 2·(1/8) = 0.25.
        List<PairedOutcome> outcomes = [.. Repeat(3, false, true), .. Repeat(4, null, true, null, null), .. Repeat(2, true, null, null, null), .. Repeat(1, false, false)];

        var comparison = RunComparison.Compare(outcomes);

        Assert.Equal((3, 0, 7), (comparison.Improved, comparison.Regressed, comparison.Unchanged));
        Assert.Equal(0.25, comparison.PValue, 14);
        Assert.Contains("(3 improved, 0 regressed, 6 errored in a run and left out)", comparison.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void Fewer_passes_and_no_discordant_items_read_in_words()
    {
        Assert.StartsWith("B passes 2 fewer of 2 items", RunComparison.Compare([.. Repeat(2, true, false)]).Summary, StringComparison.Ordinal);
        var same = RunComparison.Compare([.. Repeat(4, true, true)]);
        Assert.Equal(1, same.PValue);
        Assert.StartsWith("B passes as many of 4 items as A (0 improved, 0 regressed); p = 1, which could be chance.", same.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void The_bootstrap_interval_is_seeded_and_brackets_the_mean()
    {
        // Differences of +1 on half the items and 0 on the rest: mean 0.5, standard error √(0.25/100) = 0.05, so the 95%
        // interval is near 0.5 ± 1.96·0.05 = [0.40, 0.60].
        List<PairedOutcome> outcomes = [.. Repeat(50, false, true), .. Repeat(50, true, true)];

        var first = RunComparison.Compare(outcomes, bootstrapSeed: 7);
        var again = RunComparison.Compare(outcomes, bootstrapSeed: 7);

        Assert.Equal(0.5, first.MeanScoreDifference, 12);
        Assert.Equal((first.ConfidenceLow, first.ConfidenceHigh), (again.ConfidenceLow, again.ConfidenceHigh));
        Assert.InRange(first.ConfidenceLow, 0.38, 0.42);
        Assert.InRange(first.ConfidenceHigh, 0.58, 0.62);
        Assert.EndsWith("Mean score +0.500 (95% CI +0.400 to +0.600).", first.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void Equal_differences_give_a_point_interval()
    {
        var comparison = RunComparison.Compare([.. Repeat(10, true, true, 0.25, 0.5)]);

        Assert.Equal((0.25, 0.25, 0.25), (comparison.MeanScoreDifference, comparison.ConfidenceLow, comparison.ConfidenceHigh));
    }
    [Fact]
    public void Several_runs_are_each_compared_with_the_baseline_and_Holm_adjusted()
    {
        // Raw p-values as above: B 0.0093553…, C 0.7265625, D 0.25. Holm over 3: the smallest × 3 = 0.0280659…, the next × 2 = 0.5,
        // the largest × 1 = 0.7265625 (none below the one before it).
        List<PairedOutcome> b = [.. Repeat(20, false, true), .. Repeat(6, true, false), .. Repeat(60, true, true), .. Repeat(34, false, false)];
        List<PairedOutcome> c = [.. Repeat(5, false, true), .. Repeat(3, true, false), .. Repeat(12, true, true)];
        List<PairedOutcome> d = [.. Repeat(3, false, true), .. Repeat(1, false, false)];

        var comparisons = RunComparison.CompareEach([b, c, d]);

        Assert.Equal(["B", "C", "D"], comparisons.Select(comparison => comparison.Label));
        Assert.Equal(3 * 0.009355306625366211, comparisons[0].AdjustedPValue, 14);
        Assert.Equal(0.7265625, comparisons[1].AdjustedPValue, 14);
        Assert.Equal(0.5, comparisons[2].AdjustedPValue, 14);
        Assert.Equal(0.25, comparisons[2].PValue, 14);
        Assert.StartsWith("B passes 14 more of 120 items (20 improved, 6 regressed); p = 0.0094, p = 0.028 after Holm's correction for 3 runs, a real difference.",
            comparisons[0].Summary, StringComparison.Ordinal);
        Assert.StartsWith("D passes 3 more of 4 items (3 improved, 0 regressed); p = 0.25, p = 0.5 after Holm's correction for 3 runs, which could be chance.",
            comparisons[2].Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void A_difference_real_alone_can_be_chance_among_several()
    {
        // 6 improved, 0 regressed: p = 2/2^6 = 0.03125, real on its own. Two such runs: Holm gives 2 × 0.03125 = 0.0625 to both.
        List<PairedOutcome> sixBetter = [.. Repeat(6, false, true)];

        Assert.Contains("a real difference", RunComparison.Compare(sixBetter).Summary, StringComparison.Ordinal);
        var both = RunComparison.CompareEach([sixBetter, sixBetter]);
        Assert.All(both, comparison => Assert.Equal(0.0625, comparison.AdjustedPValue, 14));
        Assert.All(both, comparison => Assert.Contains("which could be chance", comparison.Summary, StringComparison.Ordinal));
    }
}
