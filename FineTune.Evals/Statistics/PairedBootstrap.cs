namespace FineTune.Evals;

// A 95% confidence interval of the mean of paired differences (B − A per item): resample the items with replacement
// 10,000 times and take the 2.5th and 97.5th percentiles of the resampled means. Seeded, so a comparison reads the same
// every time it is computed.
internal static class PairedBootstrap
{
    public const int Resamples = 10_000;

    public static (double Low, double High) Interval(IReadOnlyList<double> differences, int seed)
    {
        if (differences.Count == 0) return (0, 0);
        var random = new Random(seed);
        var means = new double[Resamples];
        for (var r = 0; r < Resamples; r++)
        {
            var sum = 0.0;
            for (var i = 0; i < differences.Count; i++) sum += differences[random.Next(differences.Count)];
            means[r] = sum / differences.Count;
        }
        Array.Sort(means);
        return (Percentile(means, 0.025), Percentile(means, 0.975));
    }

    // Linear between the two nearest ranks, as numpy's default.
    private static double Percentile(double[] sorted, double q)
    {
        var rank = q * (sorted.Length - 1);
        var below = (int)Math.Floor(rank);
        var above = Math.Min(below + 1, sorted.Length - 1);
        return sorted[below] + (rank - below) * (sorted[above] - sorted[below]);
    }
}
