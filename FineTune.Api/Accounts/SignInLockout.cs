using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace FineTune.Api.Accounts;

// Counts wrong passwords per email, whether or not an account has that email, so the answer to a
// sign-in never tells anyone which emails exist.
public sealed class SignInLockout(IConnectionMultiplexer redis, IOptions<AccountOptions> options)
{
    private IDatabase Db => redis.GetDatabase();

    // How long the email stays locked, or null when it may try.
    public async Task<TimeSpan?> LockedForAsync(string email)
    {
        var key = RedisKeys.SignInFailures(UserAccount.NormalizeEmail(email));
        var failures = await Db.StringGetAsync(key);
        if (failures.IsNull || (long)failures < options.Value.MaxFailedSignIns) return null;
        return await Db.KeyTimeToLiveAsync(key) ?? options.Value.LockoutDuration;
    }

    public async Task RecordFailureAsync(string email)
    {
        var key = RedisKeys.SignInFailures(UserAccount.NormalizeEmail(email));
        var transaction = Db.CreateTransaction();
        _ = transaction.StringIncrementAsync(key);
        // The window restarts with each failure: the lockout lasts its full length after the last one.
        _ = transaction.KeyExpireAsync(key, options.Value.LockoutDuration);
        await transaction.ExecuteAsync();
    }

    public Task ResetAsync(string email) => Db.KeyDeleteAsync(RedisKeys.SignInFailures(UserAccount.NormalizeEmail(email)));
}
