using StackExchange.Redis;

namespace FineTune.Data;

// Who asked to hear about a job besides its creator: a set of user ids per job.
public sealed class JobWatchers(IConnectionMultiplexer redis)
{
    private IDatabase Db => redis.GetDatabase();

    public Task WatchAsync(string jobId, string userId) => Db.SetAddAsync(RedisKeys.JobWatchers(jobId), userId);

    public Task UnwatchAsync(string jobId, string userId) => Db.SetRemoveAsync(RedisKeys.JobWatchers(jobId), userId);

    public async Task<IReadOnlyList<string>> ListAsync(string jobId) =>
        (await Db.SetMembersAsync(RedisKeys.JobWatchers(jobId))).Select(id => id.ToString()).Order(StringComparer.Ordinal).ToList();
}
