namespace FineTune.Contracts;

// A stored dataset version: its file's identity and its report.
public sealed record DatasetRecord(
    string Id,
    string Name,
    string Status,
    string Sha256,
    long Bytes,
    string CreatedBy,
    DateTimeOffset CreatedAt,
    DatasetReport Report)
{
    public const string StatusValid = "valid";
    public const string StatusInvalid = "invalid";

    public string WorkspaceId { get; init; } = Workspace.DefaultId;

    // The dataset this version was made from (an edited example, a split); null for an upload.
    public string? ParentId { get; init; }

    // The first version of a lineage (an upload or a split part); versions made by editing share it.
    // Null in records stored before versions existed: the dataset is then its own root.
    public string? RootId { get; init; }

    // 1 for an upload; each edit in a lineage takes the next number.
    public int Version { get; init; } = 1;

    // An upload in another format (ShareGPT, Alpaca, TRL): what it was read as and the lines that could not be brought
    // into OpenAI's chat JSONL (their numbers are the uploaded file's). Null for an upload in OpenAI's format.
    public FormatConversionReport? Import { get; init; }

    // A dataset made from a model's answers rather than uploaded: which model answered, how, and to what. Null otherwise.
    public DatasetProvenance? Provenance { get; init; }

    // The record as a list shows it: its report without the problem lists and the token histogram, which only the dataset's
    // own page reads (GET /api/datasets/{id}) and which make up most of a record. The problems' counts stay in Report.Stats.
    // Reports stored before the counts existed get them from their lists.
    public DatasetRecord Summary() => this with
    {
        Report = Report with
        {
            Errors = [],
            Warnings = [],
            Tokens = Report.Tokens is { } tokens ? tokens with { Histogram = [] } : null,
            Stats = Report.Stats with
            {
                ErrorCounts = Report.Stats.ErrorCounts.Count > 0 ? Report.Stats.ErrorCounts : Report.Errors.CountBy(e => e.Code).ToDictionary(),
                WarningCounts = Report.Stats.WarningCounts.Count > 0 ? Report.Stats.WarningCounts : Report.Warnings.CountBy(w => w.Code).ToDictionary(),
            },
        },
    };
}

// Where a recorded dataset came from: an eval run's answers (Kind "recording"), one example per answered item. A model can
// be retired or changed under the same name; this keeps what was asked of which one, so its answers can stand as
// distillation data for a successor or as the references to compare one with. ConnectionId null: the server's own.
public sealed record DatasetProvenance(
    string Kind,
    string Model,
    string? ConnectionId,
    string EvalId,
    string RunId,
    DateTimeOffset RecordedAt,
    double? Temperature,
    int? MaxTokens,
    int? Seed,
    string? SystemPrompt,
    int Examples,
    int SkippedItems)
{
    public const string Recording = "recording";
}
