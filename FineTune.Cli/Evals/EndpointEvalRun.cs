using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using FineTune.Evals;

namespace FineTune.Cli.Evals;

// An eval run with no server, as the Worker runs one (EvalRunner): each item of the test set asked of the model at the
// endpoint, Concurrency at once, its answer graded, and the figures computed as the server computes them. The eval is
// FineTune's export (GET /api/evals/{id}/export?format=finetune) or a file with the same keys: graders, and name and
// passThreshold if wanted.
public static class EndpointEvalRun
{
    public const int Concurrency = 4;
    private static readonly TimeSpan ProgressInterval = TimeSpan.FromSeconds(1);

    public static async Task<EvalGateResult> RunAsync(EvalRunOptions options, EndpointTarget target, TextWriter progress, CancellationToken cancellationToken)
    {
        var (name, graderJson, passThreshold) = await ReadEvalAsync(target.EvalFile, cancellationToken);
        var minPassRate = options.MinPassRate ?? passThreshold
            ?? throw new CommandException($"--min-pass-rate is required: {target.EvalFile} sets no passThreshold.");
        var items = await ReadTestSetAsync(target.TestSet, cancellationToken);
        // As defining an eval on the server: a template may name only the fields every item has.
        var fields = (await EvalItem.CommonFieldNamesAsync(items.ToAsyncEnumerable()))!;
        var graders = GraderSet.Parse(graderJson, fields, out var problems);
        if (problems.Count > 0)
            throw new CommandException($"{target.EvalFile}: the graders do not fit {target.TestSet}:\n  {string.Join("\n  ", problems)}");

        var run = new EvalRun
        {
            Id = "local",
            EvalId = name,
            WorkspaceId = "local",
            Status = EvalRunStatus.Running,
            Model = options.Model,
            Temperature = options.Sampling.Temperature,
            MaxTokens = options.Sampling.MaxTokens,
            Seed = options.Sampling.Seed,
            SystemPrompt = options.SystemPrompt,
            CreatedBy = Environment.UserName,
            CreatedAt = DateTimeOffset.UtcNow,
            Counts = new EvalRunCounts(items.Count, 0, 0, 0),
        };
        await progress.WriteLineAsync($"finetune: {name}: {items.Count} items on {run.Model} at {target.Endpoint}");

        using var models = new EndpointEvalModels(target.Endpoint, target.ApiKey);
        var results = new ConcurrentQueue<EvalItemResult>();
        var answering = Parallel.ForEachAsync(items, new ParallelOptions { MaxDegreeOfParallelism = Concurrency, CancellationToken = cancellationToken },
            async (item, ct) => results.Enqueue(await AnswerAndGradeAsync(run, item, graders, models, ct)));
        var shown = "";
        while (await Task.WhenAny(answering, Task.Delay(ProgressInterval, cancellationToken)) != answering)
        {
            var line = EvalGateResult.Progress(EvalRunFigures.Of(run, [.. results]));
            if (line != shown) await progress.WriteLineAsync(line);
            shown = line;
        }
        await answering;

        var finished = EvalRunFigures.Of(run with { Status = EvalRunStatus.Completed, FinishedAt = DateTimeOffset.UtcNow }, [.. results.OrderBy(r => r.Line)]);
        await progress.WriteLineAsync(EvalGateResult.Progress(finished));
        return EvalGateResult.Of(finished, runId: null, name, minPassRate);
    }

    private static async Task<(string Name, JsonElement Graders, double? PassThreshold)> ReadEvalAsync(string file, CancellationToken cancellationToken)
    {
        JsonElement eval;
        try
        {
            await using var stream = File.OpenRead(file);
            eval = await JsonSerializer.DeserializeAsync<JsonElement>(stream, cancellationToken: cancellationToken);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException)
        {
            throw new CommandException($"Cannot read --file {file}: {e.Message}");
        }
        if (eval.ValueKind != JsonValueKind.Object || !eval.TryGetProperty("graders", out var graders) || graders.ValueKind != JsonValueKind.Array)
            throw new CommandException($"--file {file} is not an eval: it needs \"graders\", a list, as FineTune's export has.");
        var name = eval.TryGetProperty("name", out var n) && n.ValueKind == JsonValueKind.String ? n.GetString()! : Path.GetFileNameWithoutExtension(file);
        var passThreshold = eval.TryGetProperty("passThreshold", out var p) && p.ValueKind == JsonValueKind.Number ? p.GetDouble() : (double?)null;
        return (name, graders, passThreshold);
    }

    // A line that is not an item stops the run before any model is asked, as the server refuses such a test set.
    private static async Task<List<EvalItem>> ReadTestSetAsync(string file, CancellationToken cancellationToken)
    {
        List<EvalItem> items;
        try
        {
            using var reader = new StreamReader(file);
            items = await EvalItem.ReadAsync(reader, cancellationToken).ToListAsync(cancellationToken);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
            throw new CommandException($"Cannot read --test-set {file}: {e.Message}");
        }
        return items.Count > 0 ? items : throw new CommandException($"--test-set {file} has no items.");
    }

    private static async Task<EvalItemResult> AnswerAndGradeAsync(EvalRun run, EvalItem item, GraderSet graders, EndpointEvalModels models,
        CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        EndpointEvalModels.ChatAnswer answer;
        try
        {
            answer = await models.AnswerAsync(run.Model, item.PromptWith(run.SystemPrompt), new EvalSampling(run.Temperature, run.MaxTokens, run.Seed),
                cancellationToken);
        }
        catch (Exception e) when (e is not (CommandException or OperationCanceledException))
        {
            return EvalItemResult.Unanswered(item, Stopwatch.GetElapsedTime(started).TotalMilliseconds, e);
        }
        var latency = Stopwatch.GetElapsedTime(started).TotalMilliseconds;

        var grades = await graders.GradeAsync(item, answer.Text, models, cancellationToken);
        return EvalItemResult.Graded(item, answer.Text, grades, answer.PromptTokens, answer.CompletionTokens, latency);
    }
}
