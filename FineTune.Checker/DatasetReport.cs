namespace FineTune.Checker;

// What the checker found in a dataset. Line numbers are 1-based; 0 marks a note about the whole
// file (for example "12 more errors of this code are not listed").
// Method: the training method the lines were checked for; null in reports stored before methods were checked.
// MethodAssumption: why the checker assumed Method when none was given ("assumed supervised: 95 of 100 lines
// have messages ending with an assistant message"); null when the caller gave it.
public sealed record DatasetReport(
    bool Valid,
    string? Method,
    string? MethodAssumption,
    string Format,
    int ExampleCount,
    IReadOnlyList<DatasetProblem> Errors,
    IReadOnlyList<DatasetProblem> Warnings,
    DatasetStats Stats,
    DatasetTokenStats? Tokens = null,
    DatasetEstimate? Estimate = null);

public sealed record DatasetProblem(int Line, string Code, string Message, string? Path = null);

public sealed record DatasetStats(long Bytes, int MessageCount, IReadOnlyDictionary<string, int> MessagesPerRole)
{
    public int Lines { get; init; }

    // Examples by the format they look like: "chat" (messages ending with an assistant message), "reinforcement"
    // (messages without a final assistant message, beside free keys), "preference".
    public IReadOnlyDictionary<string, int> ExamplesPerFormat { get; init; } = new Dictionary<string, int>();

    public Distribution? MessagesPerExample { get; init; }

    public int ExamplesWithSystemMessage { get; init; }

    public int ExamplesWithTools { get; init; }

    // Reinforcement: the free keys beside "messages" and in how many examples each appears, so graders can refer to them.
    public IReadOnlyDictionary<string, int> FreeKeys { get; init; } = new Dictionary<string, int>();

    // Every problem counted, including those beyond the per-code cap of the lists.
    public IReadOnlyDictionary<string, int> ErrorCounts { get; init; } = new Dictionary<string, int>();

    public IReadOnlyDictionary<string, int> WarningCounts { get; init; } = new Dictionary<string, int>();
}

// Token statistics in the encoding of the chosen model, counted as the OpenAI cookbook does.
public sealed record DatasetTokenStats(
    string Encoding,
    string Model,
    int ContextLimit,
    long Total,
    long Trainable,
    long Billable,
    int ExamplesOverLimit,
    Distribution PerExample,
    IReadOnlyList<HistogramBin> Histogram);

public sealed record Distribution(long Min, long Max, double Mean, double Median, double P5, double P95);

// Examples whose value v is From <= v < To.
public sealed record HistogramBin(long From, long To, int Count);

public sealed record DatasetEstimate(
    string Provider,
    string Model,
    int Epochs,
    long BillableTokensPerEpoch,
    long TrainedTokens,
    decimal? PricePerMillionTokens,
    decimal? Cost,
    string Currency = "USD");
