namespace FineTune.Contracts;

public sealed record CreateJobRequest(
    string TrainingDatasetId,
    string Model,
    string? ValidationDatasetId = null,
    JobMethod? Method = null,
    string? Suffix = null,
    int? Seed = null,
    string? ConnectionId = null,
    IReadOnlyDictionary<string, string>? Metadata = null,
    // Azure OpenAI's training type (AzureTrainingTypes); refused for any other connection.
    string? TrainingType = null);
