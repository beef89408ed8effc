using StackExchange.Redis;

namespace FineTune.Data;

// Which provider file each dataset version became on each connection, so a dataset goes up once per connection.
// A file id found here is only a hint: the provider may have deleted the file, or the connection may now point
// elsewhere, so whoever reuses one asks the provider first (FineTuningProvider.HasFileAsync).
public sealed class ProviderFileStore(IConnectionMultiplexer redis)
{
    private IDatabase Db => redis.GetDatabase();

    public async Task<string?> FindAsync(string? connectionId, string sha256) =>
        await Db.HashGetAsync(RedisKeys.ProviderFiles(KeyOf(connectionId)), sha256) is { IsNull: false } fileId ? fileId.ToString() : null;

    public Task RememberAsync(string? connectionId, string sha256, string fileId) =>
        Db.HashSetAsync(RedisKeys.ProviderFiles(KeyOf(connectionId)), sha256, fileId);

    private static string KeyOf(string? connectionId) => connectionId ?? ProviderConnection.ServerId;
}
