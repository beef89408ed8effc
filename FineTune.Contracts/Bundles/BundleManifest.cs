namespace FineTune.Contracts;

// manifest.json at the root of a bundle: a job (or one dataset) with everything needed to keep it once its provider
// is gone, the sha256 of every other file in the zip, and never a key or secret. docs/bundles.md describes the layout.
public sealed record BundleManifest
{
    public const string FileName = "manifest.json";
    public const string CurrentSchemaVersion = "finetune.bundle/1";
    public const string JobKind = "job";
    public const string DatasetKind = "dataset";

    public required string SchemaVersion { get; init; }

    // JobKind or DatasetKind.
    public required string Kind { get; init; }
    public required DateTimeOffset ExportedAt { get; init; }

    // Set when Kind is JobKind.
    public BundleJob? Job { get; init; }
    public required IReadOnlyList<BundleDataset> Datasets { get; init; }
    public IReadOnlyList<BundleEval> Evals { get; init; } = [];

    // Every file of the zip but the manifest itself.
    public required IReadOnlyList<BundleFile> Files { get; init; }
}

public sealed record BundleFile(string Path, long Bytes, string Sha256);

// A dataset version, its bytes at Path as they were uploaded. Role: training, validation, test-set or recording (the job's
// model's answers, kept as a dataset) in a job's bundle, dataset in a dataset's own.
public sealed record BundleDataset(string Id, string Name, string Role, string Path, string Sha256, long Bytes, int Version, DateTimeOffset CreatedAt)
{
    public const string Training = "training";
    public const string Validation = "validation";
    public const string TestSet = "test-set";
    public const string Recording = "recording";
    public const string Standalone = "dataset";

    // A recorded dataset's provenance, kept with it when the bundle is imported elsewhere.
    public DatasetProvenance? Provenance { get; init; }
}

// What a job was and became. Paths name its files in the zip, null when the job had none (no results file yet, or
// the provider could not be asked).
public sealed record BundleJob
{
    public required string Id { get; init; }
    public required string Status { get; init; }
    public required string BaseModel { get; init; }
    public required JobMethod Method { get; init; }
    public JobHyperparameters? ResolvedHyperparameters { get; init; }
    public int? Seed { get; init; }
    public string? Suffix { get; init; }
    public string? FineTunedModel { get; init; }
    public long? TrainedTokens { get; init; }
    public JobError? Error { get; init; }
    public IReadOnlyDictionary<string, string>? Metadata { get; init; }
    public required BundleProvider Provider { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset? FinishedAt { get; init; }
    public required string TrainingDatasetId { get; init; }
    public string? ValidationDatasetId { get; init; }
    public required string EventsPath { get; init; }
    public string? ResultsPath { get; init; }
    public string? CheckpointsPath { get; init; }
}

// Where the job ran: the connection's kind and the endpoint's host, never its key.
public sealed record BundleProvider(string ConnectionKind, string EndpointHost, string? ProviderJobId);

// An eval whose runs evaluated the job: its definition (graders as given), its test set (a dataset of the bundle), and
// its finished runs, each run's graded items at ItemsPath (JSONL, one EvalItemResult a line).
public sealed record BundleEval(Eval Eval, string TestSetDatasetId, IReadOnlyList<BundleEvalRun> Runs);

public sealed record BundleEvalRun(EvalRun Run, string ItemsPath);

// POST /api/bundles: what the bundle became in the workspace.
public sealed record BundleImportResult(IReadOnlyList<DatasetRecord> Datasets, string? JobId, IReadOnlyList<Eval> Evals);

// Where a job imported from a bundle came from, and what of its provider's it keeps (no provider can be asked any more).
public sealed record JobBundleOrigin(
    string SourceJobId,
    string ConnectionKind,
    string EndpointHost,
    string ImportedBy,
    DateTimeOffset ImportedAt,
    IReadOnlyList<JobCheckpoint> Checkpoints,
    string? ResultsSha256);
