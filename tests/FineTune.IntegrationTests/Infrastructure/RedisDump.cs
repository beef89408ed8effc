using StackExchange.Redis;

namespace FineTune.IntegrationTests.Infrastructure;

// Everything a copy of the database would give someone, as text: for tests that prove a secret is not in it.
public static class RedisDump
{
    public static async Task<string> AllValuesAsync(ConnectionMultiplexer redis)
    {
        var db = redis.GetDatabase();
        var text = new System.Text.StringBuilder();
        await foreach (var key in redis.GetServers()[0].KeysAsync(pattern: "*"))
        {
            text.AppendLine(key.ToString());
            switch (await db.KeyTypeAsync(key))
            {
                case RedisType.String: text.AppendLine(await db.StringGetAsync(key)); break;
                case RedisType.Hash: foreach (var entry in await db.HashGetAllAsync(key)) text.Append(entry.Name).Append('=').Append(entry.Value).AppendLine(); break;
                case RedisType.List: foreach (var item in await db.ListRangeAsync(key)) text.AppendLine(item); break;
                case RedisType.Set: foreach (var item in await db.SetMembersAsync(key)) text.AppendLine(item); break;
                case RedisType.SortedSet: foreach (var item in await db.SortedSetRangeByRankAsync(key)) text.AppendLine(item); break;
            }
        }
        return text.ToString();
    }
}
