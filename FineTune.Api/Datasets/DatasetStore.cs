using FineTune.Core;
using FineTune.Core.Datasets;
using FineTune.Core.Redis;
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
        await transaction.ExecuteAsync();
    }

    public async Task<DatasetRecord?> GetAsync(string datasetId)
    {
        var json = await Db.StringGetAsync(RedisKeys.Dataset(datasetId));
        return json.IsNull ? null : FineTuneJson.Deserialize<DatasetRecord>(json.ToString());
    }

    // The next version number in a lineage whose first version (the root, version 1) is rootId.
    public async Task<int> NextVersionAsync(string rootId) =>
        (int)await Db.StringIncrementAsync(RedisKeys.Dataset(rootId) + ":last-edit") + 1;

    public async Task<IReadOnlyList<DatasetRecord>> ListAsync(int limit = 1000)
    {
        var ids = await Db.SortedSetRangeByRankAsync(RedisKeys.AllDatasets, 0, limit - 1, Order.Descending);
        if (ids.Length == 0) return [];
        var values = await Db.StringGetAsync(ids.Select(id => (RedisKey)RedisKeys.Dataset(id.ToString())).ToArray());
        return values.Where(value => !value.IsNull).Select(value => FineTuneJson.Deserialize<DatasetRecord>(value.ToString())).ToList();
    }
}
