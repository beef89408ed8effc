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
}
