namespace FineTune.Checker;

// How long and how costly a supervised job on a dataset would be, by the OpenAI cookbook's rules, and
// "auto" hyperparameters resolved as OpenAI resolves them: the Api's estimate and the LocalProvider's
// training both use these, so what a job reports is what was estimated.
public static class TrainingEstimate
{
    public const int TargetEpochs = 3;
    public const int MinTargetExamples = 100;
    public const int MaxTargetExamples = 25_000;
    public const int MinDefaultEpochs = 1;
    public const int MaxDefaultEpochs = 25;

    // The epoch count OpenAI picks when none is given: 3, raised so small files are seen about 100
    // times in all (at most 25 epochs), lowered so large files stop near 25,000 examples (at least 1).
    public static int DefaultEpochs(int exampleCount)
    {
        if (exampleCount <= 0) return TargetEpochs;
        if ((long)exampleCount * TargetEpochs < MinTargetExamples)
            return Math.Min(MaxDefaultEpochs, MinTargetExamples / exampleCount);
        if ((long)exampleCount * TargetEpochs > MaxTargetExamples)
            return Math.Max(MinDefaultEpochs, MaxTargetExamples / exampleCount);
        return TargetEpochs;
    }

    // OpenAI picks a batch of about 0.2% of the examples (1 to 256, never more than there are).
    public static int DefaultBatchSize(int exampleCount) =>
        Math.Max(1, Math.Min(Math.Clamp((int)Math.Round(exampleCount * 0.002), 1, 256), exampleCount));

    // The multiplier OpenAI applies to small files when none is given.
    public const double DefaultLearningRateMultiplier = 2;

    public static DatasetEstimate Estimate(ModelEntry model, int exampleCount, long billableTokens, int? epochs = null)
    {
        var n = epochs ?? DefaultEpochs(exampleCount);
        var trained = billableTokens * n;
        decimal? cost = model.TrainingPricePerMillionTokens is { } price ? Math.Round(trained * price / 1_000_000m, 2) : null;
        return new DatasetEstimate(model.Provider, model.Name, n, billableTokens, trained, model.TrainingPricePerMillionTokens, cost);
    }
}
