using FineTune.Core.Jobs;

namespace FineTune.Core.Providers;

// The parts of a provider's fine-tuning job object that FineTune keeps.
public sealed record ProviderJob(
    string Id,
    string Status,
    string Model,
    string? FineTunedModel,
    long? TrainedTokens,
    DateTimeOffset? FinishedAt,
    JobError? Error);

public sealed record ProviderJobRequest(
    string Model,
    string TrainingFileId,
    string? ValidationFileId,
    JobMethod Method,
    string? Suffix,
    int? Seed);

public static class ProviderJobMapping
{
    // The job's snapshot after the provider reported its state.
    public static FineTuneJob WithProviderState(this FineTuneJob job, ProviderJob providerJob) => job with
    {
        Status = providerJob.Status,
        FineTunedModel = providerJob.FineTunedModel ?? job.FineTunedModel,
        TrainedTokens = providerJob.TrainedTokens ?? job.TrainedTokens,
        FinishedAt = providerJob.FinishedAt ?? job.FinishedAt,
        Error = providerJob.Error ?? job.Error,
    };
}
