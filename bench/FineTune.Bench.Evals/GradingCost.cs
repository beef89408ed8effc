using System.Diagnostics;
using System.Text.Json;

namespace FineTune.Bench.Evals;

// Each item's grading timed on its own with a Stopwatch, in this process, on the answers a Worker's run got: the GraderSet
// the Worker calls, one item at a time on one thread, after a warm-up pass, three passes. Also each top-level grader in a
// set of its own, and a set of none: what every answer pays before any grader (the answer parsed as JSON, the values
// templates read). On a shared machine a pass can be preempted mid-item, which the mean counts in full; each item's best
// of the passes is its cost when nothing else took the core, the figure to compare between runs of this benchmark.
internal sealed class GradingCost(int itemCount, IReadOnlyList<GradingCost.Row> rows)
{
    internal sealed record Row(string Graders, double MeanMicroseconds, double BestMicroseconds, double P50Microseconds, double P99Microseconds, double BytesPerItem);

    private const int Passes = 3;

    public static async Task<GradingCost> MeasureAsync(IReadOnlyList<string> testLines, JsonElement graders, IReadOnlyList<EvalItemResult> answered)
    {
        var items = testLines.Select((line, index) => EvalItem.Parse(index + 1, line)).ToList();
        var outputs = answered.ToDictionary(item => item.Line, item => item.Output ?? "");
        var fields = await EvalItem.CommonFieldNamesAsync(items.ToAsyncEnumerable()) ?? new HashSet<string>();
        var sets = new List<(string Name, JsonElement Graders)> { ("all graders", graders), ("none (the answer's context only)", Array()) };
        sets.AddRange(graders.EnumerateArray().Select(grader => ($"{grader.GetProperty("name")} ({grader.GetProperty("type")})", Array(grader))));

        var parsed = sets.Select(set => (set.Name, Set: GraderSet.Parse(set.Graders, fields, out var problems), problems)).ToList();
        if (parsed.SelectMany(set => set.problems).FirstOrDefault() is { } problem) throw new InvalidOperationException(problem);
        // Every set warmed up first (JIT, tiering), then timed in turns, so load from other work falls on all of them alike.
        foreach (var (_, set, _) in parsed) await TimeAsync(set, items, outputs);
        var times = parsed.Select(_ => new List<double>()).ToList();
        var best = parsed.Select(_ => Enumerable.Repeat(double.MaxValue, items.Count).ToArray()).ToList();
        var allocated = new long[parsed.Count];
        for (var pass = 0; pass < Passes; pass++)
        {
            for (var i = 0; i < parsed.Count; i++)
            {
                var before = GC.GetAllocatedBytesForCurrentThread();
                var timed = await TimeAsync(parsed[i].Set, items, outputs);
                times[i].AddRange(timed);
                for (var item = 0; item < timed.Count; item++) best[i][item] = Math.Min(best[i][item], timed[item]);
                allocated[i] += GC.GetAllocatedBytesForCurrentThread() - before;
            }
        }
        var rows = parsed.Select((set, i) =>
        {
            var measured = times[i].Order().ToList();
            return new Row(set.Name, measured.Average(), best[i].Average(), BenchServices.Percentile(measured, 50), BenchServices.Percentile(measured, 99),
                (double)allocated[i] / measured.Count);
        }).ToList();
        return new GradingCost(items.Count, rows);
    }

    public void Print(IReadOnlyList<(int Concurrency, Timed With, Timed Without)> runs)
    {
        Console.WriteLine($"Grading one item, Stopwatch, one thread ({itemCount} items x {Passes} passes):");
        Console.WriteLine();
        Console.WriteLine("| graders | µs per item, mean | mean of each item's best pass | p50 µs | p99 µs | bytes allocated per item |");
        Console.WriteLine("| --- | ---: | ---: | ---: | ---: | ---: |");
        foreach (var row in rows)
        {
            Console.WriteLine($"| {row.Graders} | {row.MeanMicroseconds:F1} | {row.BestMicroseconds:F1} | {row.P50Microseconds:F1} | {row.P99Microseconds:F1} "
                + $"| {row.BytesPerItem:N0} |");
        }

        Console.WriteLine();
        Console.WriteLine("| concurrency | run s with graders | grading s for the run's items: mean / best passes | share of the run's time: mean / best "
            + "| Worker CPU s with graders | share of the Worker's CPU: mean / best |");
        Console.WriteLine("| ---: | ---: | ---: | ---: | ---: | ---: |");
        var grading = itemCount * rows[0].MeanMicroseconds / 1e6;
        var gradingBest = itemCount * rows[0].BestMicroseconds / 1e6;
        foreach (var (concurrency, with, _) in runs)
        {
            Console.WriteLine($"| {concurrency} | {with.Seconds:F2} | {grading:F3} / {gradingBest:F3} | {grading / with.Seconds:P1} / {gradingBest / with.Seconds:P1} "
                + $"| {with.WorkerCpu:F2} | {grading / with.WorkerCpu:P1} / {gradingBest / with.WorkerCpu:P1} |");
        }
    }

    private static async Task<List<double>> TimeAsync(GraderSet set, List<EvalItem> items, Dictionary<int, string> outputs)
    {
        var times = new List<double>(items.Count);
        foreach (var item in items)
        {
            var started = Stopwatch.GetTimestamp();
            await set.GradeAsync(item, outputs[item.Line], NoModels.Instance, default);
            times.Add(Stopwatch.GetElapsedTime(started).TotalMicroseconds);
        }
        return times;
    }

    private static JsonElement Array(params JsonElement[] graders) => JsonSerializer.SerializeToElement(graders);

    // The graders measured here call no model.
    private sealed class NoModels : IEvalModels
    {
        public static readonly NoModels Instance = new();

        public Task<string> CompleteAsync(string? connectionId, string model, IReadOnlyList<EvalMessage> messages, EvalSampling sampling,
            CancellationToken cancellationToken) => throw new InvalidOperationException("a non-model grader called a judge");

        public Task<IReadOnlyList<float>?> EmbedAsync(string? connectionId, string model, string text, CancellationToken cancellationToken) =>
            throw new InvalidOperationException("a non-model grader asked for embeddings");
    }
}
