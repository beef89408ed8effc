using StackExchange.Redis;

namespace FineTune.Data;

// A per-job lease so that exactly one worker polls a job at a time. A worker that dies simply
// stops renewing; its lease expires and another worker takes over.
public sealed class JobLease(IConnectionMultiplexer redis)
{
    private IDatabase Db => redis.GetDatabase();

    public async Task<bool> TryAcquireAsync(string jobId, string owner, TimeSpan duration) =>
        await Db.LockTakeAsync(RedisKeys.JobLease(jobId), owner, duration)
        || await Db.LockExtendAsync(RedisKeys.JobLease(jobId), owner, duration);

    public Task ReleaseAsync(string jobId, string owner) =>
        Db.LockReleaseAsync(RedisKeys.JobLease(jobId), owner);
}
