using System.Text.Json.Serialization;

namespace FineTune.LocalProvider.FineTuning;

// The JSON OpenAI returns for fine-tuning jobs, events and checkpoints (snake_case on the wire).

public sealed record FineTuningJobObject(
    string Id,
    long CreatedAt,
    JobErrorObject? Error,
    string? FineTunedModel,
    long? FinishedAt,
    HyperparametersObject Hyperparameters,
    string Model,
    string OrganizationId,
    IReadOnlyList<string> ResultFiles,
    string Status,
    long? TrainedTokens,
    string TrainingFile,
    string? ValidationFile,
    int Seed,
    long? EstimatedFinish,
    string? UserProvidedSuffix,
    MethodObject Method,
    object? Integrations,
    IReadOnlyDictionary<string, string>? Metadata)
{
    public string Object => "fine_tuning.job";
}

public sealed record JobErrorObject(string Code, string Message, string? Param);

// Each value is "auto" or the number chosen; once a job runs, the resolved numbers.
// Beta only for DPO.
public sealed record HyperparametersObject(
    object NEpochs,
    object BatchSize,
    object LearningRateMultiplier,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] object? Beta = null);

public sealed record MethodObject(
    string Type,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] MethodHyperparameters? Supervised,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] MethodHyperparameters? Dpo);

public sealed record MethodHyperparameters(HyperparametersObject Hyperparameters);

public sealed record JobEventObject(string Id, long CreatedAt, string Level, string Message, object? Data, string Type)
{
    public string Object => "fine_tuning.job.event";
}

public sealed record MetricsData(
    int Step,
    double TrainLoss,
    double TrainMeanTokenAccuracy,
    int TotalSteps,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double? ValidLoss,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double? ValidMeanTokenAccuracy,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double? FullValidLoss,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double? FullValidMeanTokenAccuracy);

public sealed record CheckpointObject(
    string Id,
    long CreatedAt,
    string FineTunedModelCheckpoint,
    string FineTuningJobId,
    CheckpointMetrics Metrics,
    int StepNumber)
{
    public string Object => "fine_tuning.job.checkpoint";
}

public sealed record CheckpointMetrics(
    int Step,
    double TrainLoss,
    double TrainMeanTokenAccuracy,
    double? ValidLoss,
    double? ValidMeanTokenAccuracy,
    double? FullValidLoss,
    double? FullValidMeanTokenAccuracy);

public static class MethodTypes
{
    public const string Supervised = "supervised";
    public const string Dpo = "dpo";
}

// What a create request asked for; null hyperparameters mean "auto".
public sealed record JobRequest(
    string Model,
    string TrainingFile,
    string? ValidationFile,
    string? Suffix,
    int? NEpochs,
    int? BatchSize,
    double? LearningRateMultiplier,
    string Method = MethodTypes.Supervised,
    double? Beta = null,
    IReadOnlyDictionary<string, string>? Metadata = null);

// Everything a job is, as kept on disk (its events are kept beside it, one JSON line each).
public sealed record JobState(
    string Id,
    long Sequence,
    JobRequest Request,
    int Seed,
    DateTimeOffset CreatedAt,
    string? IdempotencyKey,
    string Status,
    JobErrorObject? Error,
    Training.TrainingSettings? Settings,
    string? PlannedModel,
    string? FineTunedModel,
    long? TrainedTokens,
    DateTimeOffset? FinishedAt,
    IReadOnlyList<string> ResultFiles,
    IReadOnlyList<CheckpointObject> Checkpoints);
