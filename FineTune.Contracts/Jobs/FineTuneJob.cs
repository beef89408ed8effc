namespace FineTune.Contracts;

// FineTune's record of a job: what was asked for, and the latest snapshot of it on the provider.
public sealed record FineTuneJob
{
    public required string Id { get; init; }

    // Records stored before workspaces existed belong to the default workspace.
    public string WorkspaceId { get; init; } = Workspace.DefaultId;

    // The provider connection the job runs on; null: the server's own (FineTune:Provider).
    public string? ConnectionId { get; init; }
    public required string Status { get; init; }
    public required string Model { get; init; }
    public string? FineTunedModel { get; init; }
    public string? ProviderJobId { get; init; }
    public required string TrainingDatasetId { get; init; }
    public string? ValidationDatasetId { get; init; }
    public required JobMethod Method { get; init; }
    public string? Suffix { get; init; }
    public int? Seed { get; init; }

    // Azure OpenAI's training type (AzureTrainingTypes), sent to the provider only when set.
    public string? TrainingType { get; init; }

    // The job this one re-runs (POST /api/jobs/{id}/rerun): kept so the re-run can be compared with the original's model
    // ("evaluate against the original") and its page can link back, long after the metadata is forgotten.
    public string? RerunOf { get; init; }
    public required string CreatedBy { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset? FinishedAt { get; init; }
    public long? TrainedTokens { get; init; }
    public JobError? Error { get; init; }

    // What "auto" became on the provider, once it said so.
    public JobHyperparameters? ResolvedHyperparameters { get; init; }

    // The provider's estimate while the job runs.
    public DateTimeOffset? EstimatedFinish { get; init; }

    public IReadOnlyList<string>? ResultFiles { get; init; }

    public IReadOnlyDictionary<string, string>? Metadata { get; init; }

    // Set when the job was launched over its workspace's budget and had to wait for an owner.
    public JobApproval? Approval { get; init; }

    // Its datasets' way to the provider: set when it starts uploading, kept once launched.
    public JobUpload? Upload { get; init; }

    // The latest "evaluate against the base model": the eval, its two runs and, once each has finished, its pass rate.
    public JobEvaluation? Evaluation { get; init; }

    // Where the job came from: null when created through FineTune, Imported when a worker found it on the
    // provider (created there directly). An imported job has no datasets (TrainingDatasetId is ""),
    // only the provider's file ids.
    public string? Source { get; init; }
    public string? TrainingFileId { get; init; }
    public string? ValidationFileId { get; init; }

    public bool IsImported => Source == ImportedSource;

    public const string ImportedSource = "imported";

    // Imported from a bundle (POST /api/bundles): a read-only record of a job that ran elsewhere, with its events and what
    // its provider kept (Bundle). No provider is ever asked about it: it is not polled, cancelled, paused or resumed.
    public const string BundleSource = "bundle";

    public JobBundleOrigin? Bundle { get; init; }

    public bool IsFromBundle => Source == BundleSource;
}

public sealed record JobMethod(string Type, JobHyperparameters? Hyperparameters);

public sealed record JobEvaluation(string EvalId, string BaseRunId, string FineTunedRunId)
{
    // What the baseline run answers with: EvaluateJobRequest.AgainstBase (the base model; also when null, as stored before
    // re-runs) or AgainstOriginal (the model of the job this one re-runs).
    public string? Against { get; init; }

    public double? BasePassRate { get; init; }
    public double? FineTunedPassRate { get; init; }
}

// Null means "auto": the provider picks the value.
public sealed record JobHyperparameters(int? NEpochs = null, int? BatchSize = null, double? LearningRateMultiplier = null);

public sealed record JobError(string? Code, string Message, string? Param);

// Why a job waits for an owner (Reason names the budget, the month's usage and the job's estimate),
// and, once decided, what the owner decided.
public sealed record JobApproval(
    string Reason,
    string RequestedBy,
    DateTimeOffset RequestedAt,
    long EstimatedTrainedTokens,
    decimal? EstimatedCost)
{
    public const string Approved = "approved";
    public const string Denied = "denied";

    // Cancelled by a member before any owner decided.
    public const string Withdrawn = "withdrawn";

    // Approved, Denied or Withdrawn; null while pending.
    public string? Decision { get; init; }
    public string? DecidedBy { get; init; }
    public DateTimeOffset? DecidedAt { get; init; }

    // The owner's reason for a denial, when given.
    public string? Comment { get; init; }
}
