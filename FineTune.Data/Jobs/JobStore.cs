using System.Diagnostics;
using StackExchange.Redis;

namespace FineTune.Data;

// Jobs, their event histories and their updates in Redis, shared by the Api and the Worker.
// A job's history is a list in provider order plus a hash from event id to list position:
// the hash makes appends idempotent and lets a reader continue "after" any event id.
// An event's Sequence is its place in that list (1, 2, 3...): the list only grows, so the place never
// changes. It is given on the way in and on the way out (Numbered), so events stored before sequences
// existed read numbered too, without a migration.
public sealed class JobStore(IConnectionMultiplexer redis)
{
    private IDatabase Db => redis.GetDatabase();

    public async Task SaveAsync(FineTuneJob job) => await SaveAsync(job, condition: null);

    // Saves the job and tells every listener (the Web's live pages) what changed: the one way a job's
    // new state, and the events that came with it, are announced. The update names how far the stored
    // history reaches, so a listener that missed an earlier update (pub/sub does not retry) sees the gap.
    public async Task SaveAndPublishAsync(FineTuneJob job, IReadOnlyList<JobEvent>? newEvents = null)
    {
        await SaveAsync(job);
        await PublishAsync(job, newEvents ?? []);
    }

    // While a job uploads, the Worker writes it and a cancel may come at any moment: the Api asks for the cancel
    // first (RequestCancelAsync), then saves the job cancelled. The Worker saves only while no cancel was asked for,
    // in one transaction with that check, so a cancel is never overwritten by progress. False: nothing was saved.
    public Task<bool> RequestCancelAsync(string jobId) =>
        Db.StringSetAsync(RedisKeys.JobCancelRequested(jobId), "1", TimeSpan.FromDays(7), When.NotExists);

    public async Task<bool> SaveAndPublishUnlessCancelledAsync(FineTuneJob job)
    {
        if (!await SaveAsync(job, Condition.KeyNotExists(RedisKeys.JobCancelRequested(job.Id)))) return false;
        await PublishAsync(job, []);
        return true;
    }

    // Changes a stored job as it is now, whoever else saves it meanwhile (the save is made only if the job is still what
    // change saw, else read and changed again), and publishes it. Null when there is no such job.
    public async Task<FineTuneJob?> UpdateAsync(string jobId, Func<FineTuneJob, FineTuneJob> change)
    {
        while (true)
        {
            var stored = await Db.StringGetAsync(RedisKeys.Job(jobId));
            if (stored.IsNull) return null;
            var changed = change(FineTuneJson.Deserialize<FineTuneJob>(stored.ToString()));
            if (!await SaveAsync(changed, Condition.StringEqual(RedisKeys.Job(jobId), stored))) continue;
            await PublishAsync(changed, []);
            return changed;
        }
    }

    private async Task<bool> SaveAsync(FineTuneJob job, Condition? condition)
    {
        var transaction = Db.CreateTransaction();
        if (condition is not null) transaction.AddCondition(condition);
        _ = transaction.StringSetAsync(RedisKeys.Job(job.Id), FineTuneJson.Serialize(job));
        _ = transaction.SortedSetAddAsync(RedisKeys.AllJobs, job.Id, job.CreatedAt.ToUnixTimeMilliseconds());
        _ = transaction.SortedSetAddAsync(RedisKeys.WorkspaceJobs(job.WorkspaceId), job.Id, job.CreatedAt.ToUnixTimeMilliseconds());
        // The job in its status's list and in no other, whatever status it had before.
        foreach (var status in JobStatus.All)
        {
            var list = RedisKeys.WorkspaceJobsWithStatus(job.WorkspaceId, status);
            _ = status == job.Status
                ? transaction.SortedSetAddAsync(list, job.Id, job.CreatedAt.ToUnixTimeMilliseconds())
                : transaction.SortedSetRemoveAsync(list, job.Id);
        }
        _ = JobStatus.IsPolled(job.Status) && !job.IsFromBundle
            ? transaction.SetAddAsync(RedisKeys.ActiveJobs, job.Id)
            : transaction.SetRemoveAsync(RedisKeys.ActiveJobs, job.Id);
        // provider job id → job id: how the Worker's import knows which provider jobs FineTune has. A bundle's copy of a
        // job keeps its provider job id for the record only, and never takes it from the job that ran.
        if (job.ProviderJobId is not null && !job.IsFromBundle) _ = transaction.HashSetAsync(ProviderJobIndex, job.ProviderJobId, job.Id);
        return await transaction.ExecuteAsync();
    }

    private async Task PublishAsync(FineTuneJob job, IReadOnlyList<JobEvent> newEvents)
    {
        var lastSequence = await Db.ListLengthAsync(RedisKeys.JobEvents(job.Id));
        await redis.GetSubscriber().PublishAsync(
            RedisChannel.Literal(RedisChannels.JobUpdates), FineTuneJson.Serialize(new JobUpdate(job, newEvents, lastSequence)
            {
                Traceparent = Activity.Current?.Id,
                PublishedAt = DateTimeOffset.UtcNow,
            }));
    }

    // The job a user's Idempotency-Key stands for (for a day): jobId when the key is new, else the id it
    // was first claimed for, so a retried or double-submitted create gets the same job back.
    public async Task<string> ClaimIdempotencyKeyAsync(string userId, string idempotencyKey, string jobId)
    {
        var key = RedisKeys.JobIdempotencyKey(userId, idempotencyKey);
        if (await Db.StringSetAsync(key, jobId, TimeSpan.FromDays(1), When.NotExists)) return jobId;
        return (await Db.StringGetAsync(key)).ToString();
    }

    // A job waiting for approval gets one decision: approve, deny and withdraw all claim it first (SET NX),
    // so of two people acting at once only the first wins.
    public Task<bool> ClaimDecisionAsync(string jobId, string decision) =>
        Db.StringSetAsync(RedisKeys.JobDecision(jobId), decision, when: When.NotExists);

    // The decision claimed for a job ("" when none is).
    public async Task<string> ClaimedDecisionAsync(string jobId) => (await Db.StringGetAsync(RedisKeys.JobDecision(jobId))).ToString();

    // Gives a claimed decision back when it could not be carried out, so it can be made again.
    public Task ReleaseDecisionAsync(string jobId) => Db.KeyDeleteAsync(RedisKeys.JobDecision(jobId));

    public const string ProviderJobIndex = "finetune:jobs:by-provider-id";

    // The FineTune job of a provider job, if FineTune knows it.
    public async Task<string?> JobIdOfProviderJobAsync(string providerJobId)
    {
        var jobId = await Db.HashGetAsync(ProviderJobIndex, providerJobId);
        return jobId.IsNull ? null : jobId.ToString();
    }

    // Claims a provider job for jobId unless some job already has it; returns the job id that has it.
    public async Task<string> ClaimProviderJobAsync(string providerJobId, string jobId)
    {
        if (await Db.HashSetAsync(ProviderJobIndex, providerJobId, jobId, When.NotExists)) return jobId;
        return (await Db.HashGetAsync(ProviderJobIndex, providerJobId)).ToString();
    }

    public async Task<FineTuneJob?> GetAsync(string jobId)
    {
        var json = await Db.StringGetAsync(RedisKeys.Job(jobId));
        return json.IsNull ? null : FineTuneJson.Deserialize<FineTuneJob>(json.ToString());
    }

    // The workspace a job belongs to, or null when there is no such job.
    public async Task<string?> WorkspaceOfAsync(string jobId) => (await GetAsync(jobId))?.WorkspaceId;

    // Newest first; with a status, only the jobs in it; after a job id, the jobs older than it (as OpenAI's list pages on).
    public async Task<IReadOnlyList<FineTuneJob>> ListAsync(string workspaceId, int limit = 1000, string? status = null, string? afterJobId = null)
    {
        var all = RedisKeys.WorkspaceJobs(workspaceId);
        var list = status is null ? all : RedisKeys.WorkspaceJobsWithStatus(workspaceId, status);
        return await GetManyAsync(await NewestFirst.PageAsync(Db, list, all, afterJobId, limit));
    }

    // Enters every job stored before workspaces existed in its workspace's list (the default one);
    // returns how many were missing. A start-up migration (the Api's StoreMigrations).
    public async Task<int> BackfillWorkspaceIndexAsync()
    {
        var added = 0;
        foreach (var job in await GetManyAsync(await Db.SortedSetRangeByRankAsync(RedisKeys.AllJobs)))
        {
            if (await Db.SortedSetAddAsync(RedisKeys.WorkspaceJobs(job.WorkspaceId), job.Id, job.CreatedAt.ToUnixTimeMilliseconds())) added++;
        }
        return added;
    }

    // Enters every job stored before the lists by status existed in its status's list, once; returns how many it entered.
    // A start-up migration (the Api's StoreMigrations).
    public async Task<int> BackfillStatusIndexAsync()
    {
        if (await Db.KeyExistsAsync(RedisKeys.JobsStatusIndexed)) return 0;
        var added = 0;
        foreach (var job in await GetManyAsync(await Db.SortedSetRangeByRankAsync(RedisKeys.AllJobs)))
        {
            var list = RedisKeys.WorkspaceJobsWithStatus(job.WorkspaceId, job.Status);
            if (await Db.SortedSetAddAsync(list, job.Id, job.CreatedAt.ToUnixTimeMilliseconds())) added++;
        }
        await Db.StringSetAsync(RedisKeys.JobsStatusIndexed, "1");
        return added;
    }

    // Enters every job stored before the provider job index existed in it, never replacing an entry;
    // returns how many were missing. A start-up migration, which the Worker's import also runs first.
    public async Task<int> BackfillProviderJobIndexAsync()
    {
        var added = 0;
        foreach (var job in await GetManyAsync(await Db.SortedSetRangeByRankAsync(RedisKeys.AllJobs)))
        {
            if (job.ProviderJobId is { } providerJobId && !job.IsFromBundle && await Db.HashSetAsync(ProviderJobIndex, providerJobId, job.Id, When.NotExists)) added++;
        }
        return added;
    }

    // The model every job, in every workspace, made: which of a shared connection's models FineTune made.
    public async Task<IReadOnlySet<string>> FineTunedModelsAsync() =>
        (await GetManyAsync(await Db.SortedSetRangeByRankAsync(RedisKeys.AllJobs))).Select(job => job.FineTunedModel).OfType<string>().ToHashSet(StringComparer.Ordinal);

    private async Task<IReadOnlyList<FineTuneJob>> GetManyAsync(RedisValue[] ids)
    {
        if (ids.Length == 0) return [];
        var values = await Db.StringGetAsync(ids.Select(id => (RedisKey)RedisKeys.Job(id.ToString())).ToArray());
        return values.Where(value => !value.IsNull).Select(value => FineTuneJson.Deserialize<FineTuneJob>(value.ToString())).ToList();
    }

    public async Task<IReadOnlyList<string>> ActiveJobIdsAsync() =>
        (await Db.SetMembersAsync(RedisKeys.ActiveJobs)).Select(id => id.ToString()).ToList();

    // Appends the events not yet in the history, in the given order, and returns those it added.
    // The transaction only commits if the history did not grow meanwhile, so a second writer
    // (a worker whose lease ran out) can never interleave or duplicate events.
    public async Task<IReadOnlyList<JobEvent>> AppendEventsAsync(string jobId, IReadOnlyList<JobEvent> events)
    {
        if (events.Count == 0) return [];
        var eventsKey = RedisKeys.JobEvents(jobId);
        var indexKey = RedisKeys.JobEventIndex(jobId);
        while (true)
        {
            var length = await Db.ListLengthAsync(eventsKey);
            var known = await Db.HashGetAsync(indexKey, events.Select(e => (RedisValue)e.Id).ToArray());
            var fresh = Numbered(events.Where((_, i) => known[i].IsNull).DistinctBy(e => e.Id), length);
            if (fresh.Count == 0) return [];

            var transaction = Db.CreateTransaction();
            transaction.AddCondition(Condition.ListLengthEqual(eventsKey, length));
            _ = transaction.HashSetAsync(indexKey, fresh.Select((e, i) => new HashEntry(e.Id, length + i)).ToArray());
            _ = transaction.ListRightPushAsync(eventsKey, fresh.Select(e => (RedisValue)FineTuneJson.Serialize(e)).ToArray());
            if (await transaction.ExecuteAsync()) return fresh;
        }
    }

    public async Task<JobEventPage> GetEventsAsync(string jobId, string? afterEventId, int limit)
    {
        long start = 0;
        if (afterEventId is not null)
        {
            var position = await Db.HashGetAsync(RedisKeys.JobEventIndex(jobId), afterEventId);
            if (position.IsNull) throw new KeyNotFoundException($"Job {jobId} has no event {afterEventId}.");
            start = (long)position + 1;
        }
        var items = await Db.ListRangeAsync(RedisKeys.JobEvents(jobId), start, start + limit - 1);
        var length = await Db.ListLengthAsync(RedisKeys.JobEvents(jobId));
        var events = Numbered(items.Select(item => FineTuneJson.Deserialize<JobEvent>(item.ToString())), start);
        return new JobEventPage(events, HasMore: start + events.Count < length);
    }

    // Events that sit in the history list from position `start` on, with their sequences.
    private static List<JobEvent> Numbered(IEnumerable<JobEvent> events, long start) =>
        events.Select((e, i) => e with { Sequence = start + i + 1 }).ToList();

    public async Task<string?> LastEventIdAsync(string jobId)
    {
        var last = await Db.ListGetByIndexAsync(RedisKeys.JobEvents(jobId), -1);
        return last.IsNull ? null : FineTuneJson.Deserialize<JobEvent>(last.ToString()).Id;
    }
}
