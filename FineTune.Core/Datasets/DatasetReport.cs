namespace FineTune.Core.Datasets;

// What the checker found in a dataset. Line numbers are 1-based.
public sealed record DatasetReport(
    bool Valid,
    string Format,
    int ExampleCount,
    IReadOnlyList<DatasetProblem> Errors,
    IReadOnlyList<DatasetProblem> Warnings,
    DatasetStats Stats);

public sealed record DatasetProblem(int Line, string Code, string Message, string? Path = null);

public sealed record DatasetStats(long Bytes, int MessageCount, IReadOnlyDictionary<string, int> MessagesPerRole);

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
}
