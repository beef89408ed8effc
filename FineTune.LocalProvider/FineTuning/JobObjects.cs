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
    object? Metadata)
{
    public string Object => "fine_tuning.job";
}

public sealed record JobErrorObject(string Code, string Message, string? Param);

// Each value is "auto" or the number chosen; once a job runs, the resolved numbers.
public sealed record HyperparametersObject(object NEpochs, object BatchSize, object LearningRateMultiplier);

public sealed record MethodObject(string Type, SupervisedMethodObject Supervised);

public sealed record SupervisedMethodObject(HyperparametersObject Hyperparameters);

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
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double? ValidMeanTokenAccuracy);

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

// What a create request asked for; null hyperparameters mean "auto".
public sealed record JobRequest(
    string Model,
    string TrainingFile,
    string? ValidationFile,
    string? Suffix,
    int? NEpochs,
    int? BatchSize,
    double? LearningRateMultiplier);
