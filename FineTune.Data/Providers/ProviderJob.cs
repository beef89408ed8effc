
namespace FineTune.Data;

// The parts of a provider's fine-tuning job object that FineTune keeps.
public sealed record ProviderJob(
    string Id,
    string Status,
    string Model,
    string? FineTunedModel,
    long? TrainedTokens,
    DateTimeOffset? FinishedAt,
    JobError? Error)
{
    // What "auto" became, the result files, the estimated finish and the metadata, read from the same response.
    public required ProviderJobDetails Details { get; init; }

    // How the job was created on the provider (read when importing a job created outside FineTune).
    public DateTimeOffset? CreatedAt { get; init; }
    public string? TrainingFileId { get; init; }
    public string? ValidationFileId { get; init; }
    public string? Suffix { get; init; }
    public int? Seed { get; init; }
    public string? MethodType { get; init; }
}

// One page of the provider's job list, newest first.
public sealed record ProviderJobPage(IReadOnlyList<ProviderJob> Data, bool HasMore);

public sealed record ProviderJobRequest(
    string Model,
    string TrainingFileId,
    string? ValidationFileId,
    JobMethod Method,
    string? Suffix,
    int? Seed,
    // Azure OpenAI's training type; the Api lets it be set only on jobs for Azure OpenAI connections.
    string? TrainingType = null);

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

    // The state and the details (resolved hyperparameters, estimated
    // finish, result files). Lists equal to the ones already kept are kept as they were, so an unchanged
    // job compares equal to its previous snapshot.
    public static FineTuneJob WithProviderStateAndDetails(this FineTuneJob job, ProviderJob providerJob)
    {
        var updated = job.WithProviderState(providerJob);
        updated = updated.WithProviderDetails(providerJob.Details);
        if (updated.ResultFiles is not null && job.ResultFiles is not null && updated.ResultFiles.SequenceEqual(job.ResultFiles))
            updated = updated with { ResultFiles = job.ResultFiles };
        if (updated.Metadata is not null && job.Metadata is not null && updated.Metadata.Count == job.Metadata.Count
            && updated.Metadata.All(pair => job.Metadata.TryGetValue(pair.Key, out var value) && value == pair.Value))
            updated = updated with { Metadata = job.Metadata };
        return updated;
    }
}

// A whole chat answer and the tokens it took.
public sealed record ChatAnswer(string Text, int PromptTokens, int CompletionTokens);
