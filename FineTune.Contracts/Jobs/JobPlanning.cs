namespace FineTune.Contracts;

// A model as the create-job form offers it: the provider's /v1/models merged with FineTune's model table.
public sealed record ModelInfo(
    string Id,
    string? OwnedBy,
    DateTimeOffset? CreatedAt,
    string? BaseModel,
    bool FineTuned,
    bool Checkpoint,
    bool FineTunable,
    int? ContextTokens,
    decimal? TrainingPricePerMillionTokens,
    // The day models fine-tuned from this base stop answering, when the provider announced one.
    DateOnly? ShutdownDate,
    // The last day new fine-tuning jobs on this base are accepted, when announced.
    DateOnly? FineTuningEndsDate);

public sealed record JobEstimateRequest(
    string TrainingDatasetId,
    string Model,
    string? ValidationDatasetId = null,
    JobMethod? Method = null);

// What a job would train and cost, with "auto" hyperparameters resolved as the provider would.
public sealed record JobEstimate(
    string Model,
    int ExampleCount,
    JobHyperparameters Resolved,
    JobHyperparameters Chosen,
    int StepsPerEpoch,
    int TotalSteps,
    long BillableTokensPerEpoch,
    long TrainedTokens,
    decimal? PricePerMillionTokens,
    decimal? Cost,
    string Currency,
    IReadOnlyList<string> Warnings);
