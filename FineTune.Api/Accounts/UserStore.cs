using StackExchange.Redis;

namespace FineTune.Api.Accounts;

public sealed class UserStore(IConnectionMultiplexer redis)
{
    private IDatabase Db => redis.GetDatabase();

    // False when the email is taken; the email index is claimed first, so two sign-ups cannot share one.
    public async Task<bool> CreateAsync(UserAccount user)
    {
        if (user.Email is not null
            && !await Db.StringSetAsync(RedisKeys.UserByEmail(UserAccount.NormalizeEmail(user.Email)), user.Id, when: When.NotExists))
        {
            return false;
        }
        await SaveAsync(user);
        return true;
    }

    public Task SaveAsync(UserAccount user) => Db.StringSetAsync(RedisKeys.User(user.Id), FineTuneJson.Serialize(user));

    public async Task<UserAccount?> GetAsync(string userId)
    {
        var json = await Db.StringGetAsync(RedisKeys.User(userId));
        return json.IsNull ? null : FineTuneJson.Deserialize<UserAccount>(json.ToString());
    }

    public async Task<UserAccount?> FindByEmailAsync(string email)
    {
        var userId = await Db.StringGetAsync(RedisKeys.UserByEmail(UserAccount.NormalizeEmail(email)));
        return userId.IsNull ? null : await GetAsync(userId.ToString());
    }

    public async Task<IReadOnlyList<UserAccount>> GetManyAsync(IEnumerable<string> userIds)
    {
        var keys = userIds.Select(id => (RedisKey)RedisKeys.User(id)).ToArray();
        if (keys.Length == 0) return [];
        var values = await Db.StringGetAsync(keys);
        return values.Where(v => !v.IsNull).Select(v => FineTuneJson.Deserialize<UserAccount>(v.ToString())).ToList();
    }
}
