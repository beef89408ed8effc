using System.Collections.Concurrent;
using System.Diagnostics;
using FineTune.Evals;
using FineTune.Worker.Polling;
using FineTune.Worker.Telemetry;
using Microsoft.Extensions.Options;

namespace FineTune.Worker.Evals;

// Runs the eval runs the Api queued (the active set), each under a lease as jobs are polled: reads the test set from the
// blob store, asks the model for each item not yet graded (EvalConcurrency at once, through the connection's request
// budget, retrying 429s as the provider asks and 5xx/timeouts with backoff), grades the answer, and stores the item once
// (EvalStore.AddItemAsync). Every ProgressInterval it saves the run's figures, publishes the new items, renews its lease
// and looks for a cancel. A Worker that dies leaves its lease to expire; the next one goes on with the items left.
public sealed partial class EvalRunner(
    EvalStore evals,
    JobStore jobs,
    BlobStore blobs,
    ProviderConnections connections,
    ModelUsage usage,
    IOptions<WorkerOptions> options,
    TimeProvider time,
    ILogger<EvalRunner> logger) : BackgroundService
{
    private static readonly TimeSpan ProgressInterval = TimeSpan.FromMilliseconds(500);
    private readonly string _owner = $"{Environment.MachineName}:{Environment.ProcessId}:{Guid.NewGuid():N}";
    private readonly WorkerOptions _options = options.Value;
    private readonly ConcurrentDictionary<string, Task> _running = new();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                try
                {
                    foreach (var runId in await evals.ActiveRunIdsAsync())
                    {
                        if (_running.ContainsKey(runId) || !await evals.TryLeaseRunAsync(runId, _owner, _options.LeaseDuration)) continue;
                        _running[runId] = Task.Run(() => RunHeldAsync(runId, stoppingToken), CancellationToken.None);
                    }
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // Redis may be briefly away; the runs in hand carry on.
                    LogRefreshFailed(e.Message);
                }
                await Task.Delay(_options.PollInterval, time, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        await Task.WhenAll(_running.Values);
    }

    private async Task RunHeldAsync(string runId, CancellationToken stoppingToken)
    {
        using var activity = WorkerTelemetry.Source.StartActivity("eval.run")?.SetTag(WorkerTelemetry.EvalRunIdTag, runId);
        using var scope = logger.BeginScope(new Dictionary<string, object> { ["EvalRunId"] = runId });
        try
        {
            await RunAsync(runId, stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            // The lease runs out and this or another Worker tries the run again from the items stored.
            activity?.SetStatus(ActivityStatusCode.Error, e.Message);
            LogRunFailed(runId, e.GetType().Name, e.Message);
        }
        finally
        {
            _running.TryRemove(runId, out _);
        }
    }

    private async Task RunAsync(string runId, CancellationToken stoppingToken)
    {
        if (await evals.GetRunAsync(runId) is not { } run || EvalRunStatus.IsFinished(run.Status)) return;
        using var scope = logger.BeginScope(new Dictionary<string, object> { ["WorkspaceId"] = run.WorkspaceId });
        if (await evals.GetAsync(run.EvalId) is not { } eval)
        {
            await FinishAsync(run with { Error = "The eval was deleted." }, EvalRunStatus.Failed, []);
            return;
        }
        if (await connections.ClientAsync(run.ConnectionId, run.WorkspaceId) is not { } provider)
        {
            await FinishAsync(run with { Error = $"The connection {run.ConnectionId} no longer exists." }, EvalRunStatus.Failed, []);
            return;
        }

        var items = await ReadItemsAsync(eval, stoppingToken);
        var fields = await EvalItem.CommonFieldNamesAsync(items.ToAsyncEnumerable()) ?? new HashSet<string>();
        var graders = GraderSet.Parse(eval.Graders, fields, out var problems);
        if (problems.Count > 0)
        {
            await FinishAsync(run with { Error = string.Join(" ", problems) }, EvalRunStatus.Failed, []);
            return;
        }

        var stored = await evals.ItemsAsync(run.Id);
        var done = stored.Select(item => item.Line).ToHashSet();
        run = run with { Status = EvalRunStatus.Running, Counts = run.Counts with { Total = items.Count } };
        if (!await evals.SaveAndPublishRunUnlessCancelledAsync(EvalRunFigures.Of(run, stored), [])) return;
        LogRunning(run.Id, items.Count, done.Count);
        await usage.RecordAsync(run.WorkspaceId, run.Model);

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        var fresh = new ConcurrentQueue<EvalItemResult>();
        var models = new ConnectionEvalModels(this, connections, run);
        var answering = Parallel.ForEachAsync(
            items.Where(item => !done.Contains(item.Line)),
            new ParallelOptions { MaxDegreeOfParallelism = _options.EvalConcurrency, CancellationToken = stop.Token },
            async (item, cancellationToken) =>
            {
                var result = await AnswerAndGradeAsync(run, item, provider, graders, models, cancellationToken);
                if (await evals.AddItemAsync(run.Id, result)) fresh.Enqueue(result);
            });

        while (await Task.WhenAny(answering, Task.Delay(ProgressInterval, time, stoppingToken)) != answering)
        {
            if (!await ReportAsync(run, fresh) || !await evals.TryLeaseRunAsync(run.Id, _owner, _options.LeaseDuration))
            {
                // Cancelled, or another Worker holds the run now: stop asking the model.
                await stop.CancelAsync();
                break;
            }
        }
        try
        {
            await answering;
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested && !stoppingToken.IsCancellationRequested)
        {
            LogStopped(run.Id);
            return;
        }

        var all = await evals.ItemsAsync(run.Id);
        var completed = EvalRunFigures.Of(run, all);
        await FinishAsync(completed, EvalRunStatus.Completed, Drain(fresh));
        if (completed.JobId is { } jobId) await jobs.UpdateAsync(jobId, job => WithPassRate(job, completed));
        await evals.ReleaseRunAsync(run.Id, _owner);
        LogCompleted(run.Id, all.Count);
    }

    // The run's pass rate on the job it evaluates, when it is still one of the job's latest evaluation.
    private static FineTuneJob WithPassRate(FineTuneJob job, EvalRun run) => job.Evaluation switch
    {
        { } evaluation when evaluation.BaseRunId == run.Id => job with { Evaluation = evaluation with { BasePassRate = run.PassRate } },
        { } evaluation when evaluation.FineTunedRunId == run.Id => job with { Evaluation = evaluation with { FineTunedPassRate = run.PassRate } },
        _ => job,
    };

    // Saves the run's figures from every item stored so far and publishes the items graded since the last report.
    private async Task<bool> ReportAsync(EvalRun run, ConcurrentQueue<EvalItemResult> fresh)
    {
        var newItems = Drain(fresh);
        if (newItems.Count == 0) return !await evals.IsCancelRequestedAsync(run.Id);
        return await evals.SaveAndPublishRunUnlessCancelledAsync(EvalRunFigures.Of(run, await evals.ItemsAsync(run.Id)), newItems);
    }

    private async Task FinishAsync(EvalRun run, string status, IReadOnlyList<EvalItemResult> newItems)
    {
        var finished = run with { Status = status, FinishedAt = time.GetUtcNow() };
        if (!await evals.SaveAndPublishRunUnlessCancelledAsync(finished, newItems)) LogStopped(run.Id);
    }

    private async Task<List<EvalItem>> ReadItemsAsync(Eval eval, CancellationToken cancellationToken)
    {
        using var reader = new StreamReader(blobs.OpenRead(eval.DatasetSha256));
        return await EvalItem.ReadAsync(reader, cancellationToken).ToListAsync(cancellationToken);
    }

    private async Task<EvalItemResult> AnswerAndGradeAsync(
        EvalRun run, EvalItem item, FineTuningProvider provider, GraderSet graders, IEvalModels models, CancellationToken cancellationToken)
    {
        using var activity = WorkerTelemetry.Source.StartActivity("eval.item")?.SetTag("finetune.eval_item.line", item.Line);
        var prompt = item.PromptWith(run.SystemPrompt).Select(message => new ChatTurn(message.Role, message.Content)).ToList();
        var started = Stopwatch.GetTimestamp();
        ChatAnswer answer;
        try
        {
            answer = await WithRetriesAsync(
                ct => provider.CompleteChatAsync(run.Model, prompt, run.Temperature, run.MaxTokens, run.Seed, ct), cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return EvalItemResult.Unanswered(item, Stopwatch.GetElapsedTime(started).TotalMilliseconds, e);
        }
        var latency = Stopwatch.GetElapsedTime(started).TotalMilliseconds;

        var grades = await graders.GradeAsync(item, answer.Text, models, cancellationToken);
        return EvalItemResult.Graded(item, answer.Text, grades, answer.PromptTokens, answer.CompletionTokens, latency);
    }

    // A provider call, tried again after a 429 (as long as it asks) or a 5xx, timeout or dropped connection (backing off);
    // what the provider refuses (another 4xx) is not tried again.
    private async Task<T> WithRetriesAsync<T>(Func<CancellationToken, Task<T>> call, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await call(cancellationToken);
            }
            catch (Exception e) when (attempt < _options.EvalAttempts && !ProviderFault.IsRefusal(e) && !cancellationToken.IsCancellationRequested)
            {
                var delay = ProviderFault.RetryAfter(e, time.GetUtcNow())
                    ?? ExponentialBackoff.Delay(attempt, _options.BackoffInitialDelay, _options.BackoffMaxDelay, Random.Shared.NextDouble());
                await Task.Delay(delay, time, cancellationToken);
            }
        }
    }

    private static List<EvalItemResult> Drain(ConcurrentQueue<EvalItemResult> queue)
    {
        var items = new List<EvalItemResult>();
        while (queue.TryDequeue(out var item)) items.Add(item);
        return items;
    }

    // Judges and embeddings for the graders: on the grader's own connection when it names one, else the run's.
    private sealed class ConnectionEvalModels(EvalRunner runner, ProviderConnections connections, EvalRun run) : IEvalModels
    {
        public async Task<string> CompleteAsync(
            string? connectionId, string model, IReadOnlyList<EvalMessage> messages, EvalSampling sampling, CancellationToken cancellationToken)
        {
            var provider = await ProviderAsync(connectionId);
            var turns = messages.Select(message => new ChatTurn(message.Role, message.Content)).ToList();
            var answer = await runner.WithRetriesAsync(
                ct => provider.CompleteChatAsync(model, turns, sampling.Temperature, sampling.MaxTokens, sampling.Seed, ct), cancellationToken);
            return answer.Text;
        }

        public async Task<IReadOnlyList<float>?> EmbedAsync(string? connectionId, string model, string text, CancellationToken cancellationToken)
        {
            var provider = await ProviderAsync(connectionId);
            return await runner.WithRetriesAsync(ct => provider.EmbedAsync(model, text, ct), cancellationToken);
        }

        private async Task<FineTuningProvider> ProviderAsync(string? connectionId) =>
            await connections.ClientAsync(connectionId ?? run.ConnectionId, run.WorkspaceId)
                ?? throw new InvalidOperationException($"The connection {connectionId ?? run.ConnectionId} does not exist in this workspace.");
    }

    [LoggerMessage(LogLevel.Information, "Eval run {RunId}: {Total} items, {Done} graded before")]
    private partial void LogRunning(string runId, int total, int done);

    [LoggerMessage(LogLevel.Information, "Eval run {RunId} completed: {Items} items")]
    private partial void LogCompleted(string runId, int items);

    [LoggerMessage(LogLevel.Information, "Eval run {RunId}: stopped (cancelled, or held by another Worker)")]
    private partial void LogStopped(string runId);

    [LoggerMessage(LogLevel.Warning, "Eval run {RunId} failed ({Error}: {Message}); it is tried again once its lease runs out")]
    private partial void LogRunFailed(string runId, string error, string message);

    [LoggerMessage(LogLevel.Warning, "Reading the active eval runs failed ({Message}); trying again")]
    private partial void LogRefreshFailed(string message);
}
