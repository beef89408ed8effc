using StackExchange.Redis;

namespace FineTune.Data;

// A page of a list kept as a sorted set scored by creation time (Unix ms), newest first: its first `limit` members, or the
// `limit` created before `after`. Where `after` was is read from `all`, the list that holds it whatever became of it since,
// so a member that has left `list` (a job whose status changed) still says where the next page starts.
public static class NewestFirst
{
    public static async Task<RedisValue[]> PageAsync(IDatabase db, string list, string all, string? after, int limit)
    {
        if (after is null) return await db.SortedSetRangeByRankAsync(list, 0, limit - 1, Order.Descending);
        if (await db.SortedSetScoreAsync(all, after) is not { } createdAt) return [];
        var page = new List<RedisValue>(limit);
        for (long offset = 0; page.Count < limit; offset += limit)
        {
            var batch = await db.SortedSetRangeByScoreWithScoresAsync(list, double.NegativeInfinity, createdAt, Exclude.None, Order.Descending, offset, limit);
            // Members of the same millisecond are in descending order, the order the earlier page had them in.
            page.AddRange(batch.Where(entry => entry.Score < createdAt || string.CompareOrdinal(entry.Element.ToString(), after) < 0)
                .Select(entry => entry.Element).Take(limit - page.Count));
            if (batch.Length < limit) break;
        }
        return [.. page];
    }
}
