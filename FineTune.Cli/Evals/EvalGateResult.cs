using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace FineTune.Cli.Evals;

// The gate's verdict on a finished run, as --json prints it. RunId is null for a run without a server. Passed: the run
// completed, and its pass rate (of the items graded without error) reached MinPassRate.
// RunId is written even when null, so a script finds the key in both modes.
public sealed record EvalGateResult([property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? RunId, string Eval, string Model, string Status,
    EvalRunCounts Counts, double? PassRate, IReadOnlyList<EvalGraderMean> Graders, EvalUsage Usage, EvalLatency? LatencyMs, double MinPassRate, bool Passed, string? Error)
{
    public const int PassedExit = 0;
    public const int BelowThresholdExit = 1;
    public const int ErrorExit = 2;

    private static readonly JsonSerializerOptions IndentedJson = new(FineTuneJson.Options) { WriteIndented = true };

    public static EvalGateResult Of(EvalRun run, string? runId, string evalName, double minPassRate)
    {
        var completed = run.Status == EvalRunStatus.Completed;
        var error = run.Error
            ?? (completed && run.PassRate is null ? $"No item was graded without error ({run.Counts.Errored} of {run.Counts.Total} errored)." : null);
        return new EvalGateResult(runId, evalName, run.Model, run.Status, run.Counts, run.PassRate, run.Graders, run.Usage, run.LatencyMs, minPassRate,
            completed && run.PassRate >= minPassRate, error);
    }

    // A run that did not complete, or completed with nothing graded, is no verdict on the model: 2, as a usage error is.
    public int ExitCode => Passed ? PassedExit : Status == EvalRunStatus.Completed && PassRate is not null ? BelowThresholdExit : ErrorExit;

    // "graded 40/120, pass rate 92%", on stderr while the run goes.
    public static string Progress(EvalRun run)
    {
        var graded = run.Counts.Passed + run.Counts.Failed + run.Counts.Errored;
        var rate = run.PassRate is { } passRate ? string.Create(CultureInfo.InvariantCulture, $", pass rate {passRate * 100:0}%") : "";
        var errored = run.Counts.Errored > 0 ? string.Create(CultureInfo.InvariantCulture, $", {run.Counts.Errored} errored") : "";
        return run.Status == EvalRunStatus.Queued
            ? "queued"
            : string.Create(CultureInfo.InvariantCulture, $"graded {graded}/{run.Counts.Total}{rate}{errored}");
    }

    public async Task WriteAsync(TextWriter output, bool json)
    {
        if (json)
        {
            await output.WriteLineAsync(JsonSerializer.Serialize(this, IndentedJson));
            return;
        }
        var c = CultureInfo.InvariantCulture;
        var verdict = Passed ? "PASSED" : ExitCode == BelowThresholdExit ? "FAILED: below the minimum" : "NO VERDICT";
        var run = RunId is null ? "" : $", run {RunId}";
        await output.WriteLineAsync($"eval {Eval}{run} on {Model}: {Status}");
        await output.WriteLineAsync(string.Create(c,
            $"  items: {Counts.Total:N0}, {Counts.Passed:N0} passed, {Counts.Failed:N0} failed, {Counts.Errored:N0} errored (left out of the pass rate)"));
        var rate = PassRate is { } passRate ? string.Create(c, $"{passRate * 100:0.0}%") : "none";
        await output.WriteLineAsync(string.Create(c, $"  pass rate: {rate}, minimum {MinPassRate * 100:0.0}%: {verdict}"));
        if (Graders.Count > 0)
            await output.WriteLineAsync("  graders (mean score): " + string.Join(", ", Graders.Select(grader => string.Create(c, $"{grader.Name} {grader.Mean:0.###}"))));
        var latency = LatencyMs is { } l ? string.Create(c, $"; latency p50 {l.P50:N0} ms, p95 {l.P95:N0} ms") : "";
        await output.WriteLineAsync(string.Create(c, $"  usage: {Usage.PromptTokens:N0} prompt and {Usage.CompletionTokens:N0} completion tokens{latency}"));
        if (Error is not null) await output.WriteLineAsync($"  error: {Error}");
    }
}
