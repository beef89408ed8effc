using System.Globalization;
using StackExchange.Redis;

namespace FineTune.Data;

// When each model was last called in a workspace (the playground, eval runs): one hash per workspace, model → time,
// so a use costs one HSET and the inventory reads them all at once.
public sealed class ModelUsage(IConnectionMultiplexer redis, TimeProvider time)
{
    private IDatabase Db => redis.GetDatabase();

    public Task RecordAsync(string workspaceId, string model) =>
        Db.HashSetAsync(RedisKeys.WorkspaceModelsLastUsed(workspaceId), model, time.GetUtcNow().ToString("O", CultureInfo.InvariantCulture));

    public async Task<IReadOnlyDictionary<string, DateTimeOffset>> LastUsedAsync(string workspaceId) =>
        (await Db.HashGetAllAsync(RedisKeys.WorkspaceModelsLastUsed(workspaceId))).ToDictionary(
            entry => entry.Name.ToString(), entry => DateTimeOffset.Parse(entry.Value.ToString(), CultureInfo.InvariantCulture), StringComparer.Ordinal);
}
