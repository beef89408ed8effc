using StackExchange.Redis;

namespace FineTune.Api.Datasets;

public sealed class DatasetStore(IConnectionMultiplexer redis)
{
    private IDatabase Db => redis.GetDatabase();

    public async Task SaveAsync(DatasetRecord dataset)
    {
        var transaction = Db.CreateTransaction();
        _ = transaction.StringSetAsync(RedisKeys.Dataset(dataset.Id), FineTuneJson.Serialize(dataset));
        _ = transaction.SortedSetAddAsync(RedisKeys.AllDatasets, dataset.Id, dataset.CreatedAt.ToUnixTimeMilliseconds());
        _ = transaction.SortedSetAddAsync(RedisKeys.WorkspaceDatasets(dataset.WorkspaceId), dataset.Id, dataset.CreatedAt.ToUnixTimeMilliseconds());
        await transaction.ExecuteAsync();
    }

    public async Task<DatasetRecord?> GetAsync(string datasetId)
    {
        var json = await Db.StringGetAsync(RedisKeys.Dataset(datasetId));
        return json.IsNull ? null : FineTuneJson.Deserialize<DatasetRecord>(json.ToString());
    }

    // Removes the record from its workspace; the blob stays (other versions may share its content).
    public async Task<bool> DeleteAsync(string datasetId)
    {
        if (await GetAsync(datasetId) is not { } dataset) return false;
        var transaction = Db.CreateTransaction();
        _ = transaction.KeyDeleteAsync(RedisKeys.Dataset(datasetId));
        _ = transaction.SortedSetRemoveAsync(RedisKeys.AllDatasets, datasetId);
        _ = transaction.SortedSetRemoveAsync(RedisKeys.WorkspaceDatasets(dataset.WorkspaceId), datasetId);
        return await transaction.ExecuteAsync();
    }

    // The next version number in a lineage whose first version (the root, version 1) is rootId.
    public async Task<int> NextVersionAsync(string rootId) =>
        (int)await Db.StringIncrementAsync(RedisKeys.Dataset(rootId) + ":last-edit") + 1;

    // A dataset named in a request body: one in another workspace is as unknown as one that does not exist.
    public async Task<DatasetRecord?> GetInWorkspaceAsync(string datasetId, string workspaceId) =>
        await GetAsync(datasetId) is { } dataset && dataset.WorkspaceId == workspaceId ? dataset : null;

    // The workspace a dataset belongs to, or null when there is no such dataset.
    public async Task<string?> WorkspaceOfAsync(string datasetId) => (await GetAsync(datasetId))?.WorkspaceId;

    // Newest first; after a dataset id, the datasets older than it.
    public async Task<IReadOnlyList<DatasetRecord>> ListAsync(string workspaceId, int limit = 1000, string? afterDatasetId = null)
    {
        var all = RedisKeys.WorkspaceDatasets(workspaceId);
        return await GetManyAsync(await NewestFirst.PageAsync(Db, all, all, afterDatasetId, limit));
    }

    // Enters every dataset stored before workspaces existed in its workspace's list (the default one);
    // returns how many were missing. A start-up migration (StoreMigrations).
    public async Task<int> BackfillWorkspaceIndexAsync()
    {
        var added = 0;
        foreach (var dataset in await GetManyAsync(await Db.SortedSetRangeByRankAsync(RedisKeys.AllDatasets)))
        {
            if (await Db.SortedSetAddAsync(RedisKeys.WorkspaceDatasets(dataset.WorkspaceId), dataset.Id, dataset.CreatedAt.ToUnixTimeMilliseconds())) added++;
        }
        return added;
    }

    private async Task<IReadOnlyList<DatasetRecord>> GetManyAsync(RedisValue[] ids)
    {
        if (ids.Length == 0) return [];
        var values = await Db.StringGetAsync(ids.Select(id => (RedisKey)RedisKeys.Dataset(id.ToString())).ToArray());
        return values.Where(value => !value.IsNull).Select(value => FineTuneJson.Deserialize<DatasetRecord>(value.ToString())).ToList();
    }
}
