using System.Diagnostics;
using StackExchange.Redis;

namespace FineTune.Data;

// Evals and their runs in Redis, shared by the Api (which defines and starts them) and the Worker (which runs them).
// A run's items are a hash by line: the first result stored for a line is the one kept (HSETNX), so a run another
// Worker resumes never grades an item twice. Runs waiting for or in the Worker's hands are in the active set.
public sealed class EvalStore(IConnectionMultiplexer redis)
{
    private IDatabase Db => redis.GetDatabase();

    public async Task SaveAsync(Eval eval)
    {
        var transaction = Db.CreateTransaction();
        _ = transaction.StringSetAsync(RedisKeys.Eval(eval.Id), FineTuneJson.Serialize(eval));
        _ = transaction.SortedSetAddAsync(RedisKeys.WorkspaceEvals(eval.WorkspaceId), eval.Id, eval.CreatedAt.ToUnixTimeMilliseconds());
        await transaction.ExecuteAsync();
    }

    public async Task<Eval?> GetAsync(string evalId) =>
        await Db.StringGetAsync(RedisKeys.Eval(evalId)) is { IsNull: false } json ? FineTuneJson.Deserialize<Eval>(json.ToString()) : null;

    public async Task<Eval?> GetInWorkspaceAsync(string evalId, string workspaceId) =>
        await GetAsync(evalId) is { } eval && eval.WorkspaceId == workspaceId ? eval : null;

    // The workspace an eval belongs to, or null when there is no such eval.
    public async Task<string?> WorkspaceOfAsync(string evalId) => (await GetAsync(evalId))?.WorkspaceId;

    public async Task<IReadOnlyList<Eval>> ListAsync(string workspaceId)
    {
        var ids = await Db.SortedSetRangeByRankAsync(RedisKeys.WorkspaceEvals(workspaceId), order: Order.Descending);
        var values = await Db.StringGetAsync([.. ids.Select(id => (RedisKey)RedisKeys.Eval(id.ToString()))]);
        return [.. values.Where(value => !value.IsNull).Select(value => FineTuneJson.Deserialize<Eval>(value.ToString()))];
    }

    // The eval, its runs and their items.
    public async Task DeleteAsync(Eval eval)
    {
        var runIds = await Db.SortedSetRangeByRankAsync(RedisKeys.EvalRuns(eval.Id));
        var transaction = Db.CreateTransaction();
        foreach (var runId in runIds.Select(id => id.ToString()))
        {
            _ = transaction.KeyDeleteAsync([RedisKeys.EvalRun(runId), RedisKeys.EvalRunItems(runId), RedisKeys.EvalRunCancelRequested(runId)]);
            _ = transaction.SetRemoveAsync(RedisKeys.ActiveEvalRuns, runId);
        }
        _ = transaction.KeyDeleteAsync([RedisKeys.Eval(eval.Id), RedisKeys.EvalRuns(eval.Id)]);
        _ = transaction.SortedSetRemoveAsync(RedisKeys.WorkspaceEvals(eval.WorkspaceId), eval.Id);
        await transaction.ExecuteAsync();
    }

    public async Task SaveRunAsync(EvalRun run) => await SaveRunAsync(run, condition: null);

    // Saves and tells the Web's live pages, with the items graded since the last update.
    public async Task SaveAndPublishRunAsync(EvalRun run, IReadOnlyList<EvalItemResult>? newItems = null)
    {
        await SaveRunAsync(run);
        await PublishAsync(run, newItems ?? []);
    }

    // As jobs: the Api asks for a cancel first, then saves the run cancelled; the Worker saves a run only while no cancel
    // was asked for (in one transaction with that check), so a cancel is never overwritten. False: nothing was saved.
    public Task<bool> RequestCancelAsync(string runId) =>
        Db.StringSetAsync(RedisKeys.EvalRunCancelRequested(runId), "1", TimeSpan.FromDays(7), When.NotExists);

    public async Task<bool> IsCancelRequestedAsync(string runId) => await Db.KeyExistsAsync(RedisKeys.EvalRunCancelRequested(runId));

    public async Task<bool> SaveAndPublishRunUnlessCancelledAsync(EvalRun run, IReadOnlyList<EvalItemResult> newItems)
    {
        if (!await SaveRunAsync(run, Condition.KeyNotExists(RedisKeys.EvalRunCancelRequested(run.Id)))) return false;
        await PublishAsync(run, newItems);
        return true;
    }

    public async Task<EvalRun?> GetRunAsync(string runId) =>
        await Db.StringGetAsync(RedisKeys.EvalRun(runId)) is { IsNull: false } json ? FineTuneJson.Deserialize<EvalRun>(json.ToString()) : null;

    public async Task<IReadOnlyList<EvalRun>> ListRunsAsync(string evalId)
    {
        var ids = await Db.SortedSetRangeByRankAsync(RedisKeys.EvalRuns(evalId), order: Order.Descending);
        var values = await Db.StringGetAsync([.. ids.Select(id => (RedisKey)RedisKeys.EvalRun(id.ToString()))]);
        return [.. values.Where(value => !value.IsNull).Select(value => FineTuneJson.Deserialize<EvalRun>(value.ToString()))];
    }

    public async Task<IReadOnlyList<string>> ActiveRunIdsAsync() => [.. (await Db.SetMembersAsync(RedisKeys.ActiveEvalRuns)).Select(id => id.ToString())];

    // False when the line already has a result (this or another Worker stored it first).
    public Task<bool> AddItemAsync(string runId, EvalItemResult item) =>
        Db.HashSetAsync(RedisKeys.EvalRunItems(runId), item.Line, FineTuneJson.Serialize(item), When.NotExists);

    // Every graded item of the run, by line.
    public async Task<IReadOnlyList<EvalItemResult>> ItemsAsync(string runId) =>
        [.. (await Db.HashValuesAsync(RedisKeys.EvalRunItems(runId))).Select(value => FineTuneJson.Deserialize<EvalItemResult>(value.ToString())).OrderBy(item => item.Line)];

    public async Task<bool> TryLeaseRunAsync(string runId, string owner, TimeSpan duration) =>
        await Db.LockTakeAsync(RedisKeys.EvalRunLease(runId), owner, duration) || await Db.LockExtendAsync(RedisKeys.EvalRunLease(runId), owner, duration);

    public Task ReleaseRunAsync(string runId, string owner) => Db.LockReleaseAsync(RedisKeys.EvalRunLease(runId), owner);

    private async Task<bool> SaveRunAsync(EvalRun run, Condition? condition)
    {
        var transaction = Db.CreateTransaction();
        if (condition is not null) transaction.AddCondition(condition);
        _ = transaction.StringSetAsync(RedisKeys.EvalRun(run.Id), FineTuneJson.Serialize(run));
        _ = transaction.SortedSetAddAsync(RedisKeys.EvalRuns(run.EvalId), run.Id, run.CreatedAt.ToUnixTimeMilliseconds());
        _ = EvalRunStatus.IsFinished(run.Status)
            ? transaction.SetRemoveAsync(RedisKeys.ActiveEvalRuns, run.Id)
            : transaction.SetAddAsync(RedisKeys.ActiveEvalRuns, run.Id);
        return await transaction.ExecuteAsync();
    }

    private async Task PublishAsync(EvalRun run, IReadOnlyList<EvalItemResult> newItems) =>
        await redis.GetSubscriber().PublishAsync(RedisChannel.Literal(RedisChannels.EvalRunUpdates), FineTuneJson.Serialize(new EvalRunUpdate(run, newItems)
        {
            Traceparent = Activity.Current?.Id,
            PublishedAt = DateTimeOffset.UtcNow,
        }));
}
