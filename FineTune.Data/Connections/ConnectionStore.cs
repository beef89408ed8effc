using StackExchange.Redis;

namespace FineTune.Data;

// Workspace connections in Redis: one hash per connection holding the record (JSON) and, in a field
// of its own, the key as Data Protection ciphertext. Reading the record never reads the key.
public sealed class ConnectionStore(IConnectionMultiplexer redis)
{
    private const string RecordField = "record";
    private const string ProtectedKeyField = "protected-key";

    private IDatabase Db => redis.GetDatabase();

    // protectedKey: the key as ConnectionKeyProtector made it, or null for a connection without one.
    public async Task<ProviderConnection> SaveAsync(ProviderConnection connection, string? protectedKey)
    {
        var saved = connection with { HasKey = protectedKey is not null, BuiltIn = false };
        var key = RedisKeys.Connection(connection.Id);
        var transaction = Db.CreateTransaction();
        _ = transaction.HashSetAsync(key, RecordField, FineTuneJson.Serialize(saved));
        _ = protectedKey is null
            ? transaction.HashDeleteAsync(key, ProtectedKeyField)
            : transaction.HashSetAsync(key, ProtectedKeyField, protectedKey);
        _ = transaction.SortedSetAddAsync(RedisKeys.WorkspaceConnections(connection.WorkspaceId), connection.Id, connection.CreatedAt.ToUnixTimeMilliseconds());
        await transaction.ExecuteAsync();
        return saved;
    }

    public async Task<ProviderConnection?> GetAsync(string connectionId)
    {
        var json = await Db.HashGetAsync(RedisKeys.Connection(connectionId), RecordField);
        return json.IsNull ? null : FineTuneJson.Deserialize<ProviderConnection>(json.ToString());
    }

    // Another workspace's connection is treated exactly like one that does not exist.
    public async Task<ProviderConnection?> GetInWorkspaceAsync(string connectionId, string workspaceId) =>
        await GetAsync(connectionId) is { } connection && connection.WorkspaceId == workspaceId ? connection : null;

    // The workspace a connection belongs to, or null when there is no such connection.
    public async Task<string?> WorkspaceOfAsync(string connectionId) => (await GetAsync(connectionId))?.WorkspaceId;

    // The record and its protected key, read together so they are of the same version.
    public async Task<(ProviderConnection Connection, string? ProtectedKey)?> GetWithProtectedKeyAsync(string connectionId)
    {
        var values = await Db.HashGetAsync(RedisKeys.Connection(connectionId), [RecordField, ProtectedKeyField]);
        if (values[0].IsNull) return null;
        return (FineTuneJson.Deserialize<ProviderConnection>(values[0].ToString()), values[1].IsNull ? null : values[1].ToString());
    }

    // Oldest first, as they were added.
    public async Task<IReadOnlyList<ProviderConnection>> ListAsync(string workspaceId)
    {
        var ids = await Db.SortedSetRangeByRankAsync(RedisKeys.WorkspaceConnections(workspaceId));
        var connections = new List<ProviderConnection>(ids.Length);
        foreach (var id in ids)
        {
            if (await GetAsync(id.ToString()) is { } connection) connections.Add(connection);
        }
        return connections;
    }

    public async Task DeleteAsync(ProviderConnection connection)
    {
        var transaction = Db.CreateTransaction();
        _ = transaction.KeyDeleteAsync(RedisKeys.Connection(connection.Id));
        _ = transaction.SortedSetRemoveAsync(RedisKeys.WorkspaceConnections(connection.WorkspaceId), connection.Id);
        await transaction.ExecuteAsync();
    }
}
