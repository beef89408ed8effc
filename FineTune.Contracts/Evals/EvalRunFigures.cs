namespace FineTune.Contracts;

// A run's figures from its items, the same in the Worker and the CLI's serverless run: what passed, failed and errored,
// the pass rate, each grader's mean, tokens, cost and latency.
public static class EvalRunFigures
{
    public static EvalRun Of(EvalRun run, IReadOnlyList<EvalItemResult> items)
    {
        var graded = items.Where(item => item.Error is null && item.Passed is not null).ToList();
        var passed = graded.Count(item => item.Passed == true);
        var usage = new EvalUsage(items.Sum(item => (long)item.PromptTokens), items.Sum(item => (long)item.CompletionTokens));
        var latencies = items.Where(item => item.Output is not null).Select(item => item.LatencyMs).Order().ToList();
        return run with
        {
            Counts = new EvalRunCounts(run.Counts.Total, passed, graded.Count - passed, items.Count(item => item.Error is not null)),
            PassRate = graded.Count == 0 ? null : (double)passed / graded.Count,
            Graders = [.. items.SelectMany(item => item.Grades).Where(grade => grade.Error is null)
                .GroupBy(grade => grade.Name).Select(group => new EvalGraderMean(group.Key, group.Average(grade => grade.Score)))],
            Usage = usage,
            Cost = run.Price?.CostOf(usage.PromptTokens, usage.CompletionTokens),
            LatencyMs = latencies.Count == 0 ? null : new EvalLatency(Percentile(latencies, 50), Percentile(latencies, 95)),
        };
    }

    // Nearest rank.
    private static double Percentile(List<double> sorted, double percent) =>
        sorted[Math.Clamp((int)Math.Ceiling(percent / 100 * sorted.Count) - 1, 0, sorted.Count - 1)];
}
