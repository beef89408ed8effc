using FineTune.Evals;

namespace FineTune.Contracts;

public static class EvalRunStatus
{
    public const string Queued = "queued";
    public const string Running = "running";
    public const string Completed = "completed";
    public const string Failed = "failed";
    public const string Cancelled = "cancelled";

    public static bool IsFinished(string status) => status is Completed or Failed or Cancelled;
}

// One run of an eval: its items answered by Model on a connection (null: the server's own) and graded. The Worker runs it
// and keeps the figures up to date as items are graded.
public sealed record EvalRun
{
    public required string Id { get; init; }
    public required string EvalId { get; init; }
    public required string WorkspaceId { get; init; }
    public required string Status { get; init; }
    public required string Model { get; init; }
    public string? ConnectionId { get; init; }
    public double? Temperature { get; init; }
    public int? MaxTokens { get; init; }
    public int? Seed { get; init; }
    public string? SystemPrompt { get; init; }

    // The job whose "evaluate against the base model" started the run: its pass rate goes onto the job when it finishes.
    public string? JobId { get; init; }
    public required string CreatedBy { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset? FinishedAt { get; init; }
    public EvalRunCounts Counts { get; init; } = new(0, 0, 0, 0);

    // Passed of the items graded without error; null before any.
    public double? PassRate { get; init; }
    public IReadOnlyList<EvalGraderMean> Graders { get; init; } = [];
    public EvalUsage Usage { get; init; } = new(0, 0);

    // The model's answering prices when the run started (from the model table; null for a model not in it), and what
    // its answers cost so far at those prices, in USD. Judge models' tokens are not in it.
    public TokenPrice? Price { get; init; }
    public decimal? Cost { get; init; }
    public EvalLatency? LatencyMs { get; init; }

    // Why the run failed as a whole (its connection is gone, its test set unreadable).
    public string? Error { get; init; }
}

// Total: the test set's items; the others count those graded so far.
public sealed record EvalRunCounts(int Total, int Passed, int Failed, int Errored);

public sealed record EvalGraderMean(string Name, double Mean);

public sealed record EvalUsage(long PromptTokens, long CompletionTokens);

public sealed record EvalLatency(double P50, double P95);

// One item of a run: the prompt's last user message, the model's answer and the reference, each grader's grade, and
// whether the item passed (EvalGrade.ItemPassed). Error when the model could not be asked (after retries) or the item is not a valid line.
public sealed record EvalItemResult(
    int Line,
    string? Input,
    string? Output,
    string? Reference,
    bool? Passed,
    IReadOnlyList<EvalGrade> Grades,
    int PromptTokens,
    int CompletionTokens,
    double LatencyMs,
    string? Error = null)
{
    // An answered item; a grader that could not grade makes it errored.
    public static EvalItemResult Graded(EvalItem item, string output, IReadOnlyList<EvalGrade> grades, int promptTokens, int completionTokens, double latencyMs)
    {
        var passed = EvalGrade.ItemPassed(grades);
        var error = grades.FirstOrDefault(grade => grade.Error is not null) is { } failed ? $"{failed.Name}: {failed.Error}" : null;
        return new EvalItemResult(item.Line, item.Input, output, item.Reference, passed, grades, promptTokens, completionTokens, latencyMs, error);
    }

    // An item the model could not be asked about (after retries).
    public static EvalItemResult Unanswered(EvalItem item, double latencyMs, Exception error) =>
        new(item.Line, item.Input, null, item.Reference, null, [], 0, 0, latencyMs, $"The model could not be asked: {error.Message}");
}

public sealed record EvalItemPage(int Total, IReadOnlyList<EvalItemResult> Items);

// What the Worker publishes as a run goes: its new figures and the items graded since the last update.
public sealed record EvalRunUpdate(EvalRun Run, IReadOnlyList<EvalItemResult> NewItems) : PublishedUpdate;

// What "evaluate against the base model" started on a finished job.
public sealed record JobEvaluationStarted(string EvalId, string BaseRunId, string FineTunedRunId, string CompareUrl);

// Against: "base" (the default) compares the job's model with its base model; "original" compares a re-run's model
// with the model of the job it re-runs (FineTuneJob.RerunOf).
public sealed record EvaluateJobRequest(string? EvalId = null, string? Against = null)
{
    public const string AgainstBase = "base";
    public const string AgainstOriginal = "original";
}

// Runs of one eval, item by item: the first is the baseline (A) and each other run (B, C, …) is compared with it. The top-level
// figures are B's, as a comparison of two runs reads them; Comparisons holds every compared run's.
public sealed record EvalComparison(IReadOnlyList<EvalRun> Runs, int Improved, int Regressed, int Unchanged, double PValue,
    double MeanScoreDifference, double ConfidenceLow, double ConfidenceHigh, string Summary, IReadOnlyList<EvalRunComparison> Comparisons);

// One run against the baseline. AdjustedPValue is Holm's correction for the number of runs compared (PValue when one is);
// the summary's verdict reads it.
public sealed record EvalRunComparison(string RunId, string Label, int Improved, int Regressed, int Unchanged, double PValue, double AdjustedPValue,
    double MeanScoreDifference, double ConfidenceLow, double ConfidenceHigh, string Summary);
