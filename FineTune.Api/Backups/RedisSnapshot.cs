using System.Diagnostics;
using System.Text.Json.Serialization;
using StackExchange.Redis;

namespace FineTune.Api.Backups;

// One Redis key as a backup keeps it: read by its type rather than with DUMP, whose format is each server's
// own, so a backup of Garnet restores into Redis and the other way round. Values: a string's value; a hash's
// fields and values in turn; the members of a list (in order), set or sorted set (with their Scores).
public sealed record RedisEntry(
    string Key,
    [property: JsonConverter(typeof(JsonStringEnumConverter<RedisType>))] RedisType Type,
    IReadOnlyList<byte[]> Values,
    IReadOnlyList<double>? Scores,
    DateTimeOffset? ExpiresAt);

public static class RedisSnapshot
{
    private const int Attempts = 5;

    // Every FineTune key as of one moment: the reads run in one MULTI/EXEC with a KEYS of the prefix, and are
    // taken again when that differs from the keys listed before them (a key was added or removed in between).
    // KEYS rather than SCAN because only it runs inside the transaction; a backup is rare and the keys are few.
    public static async Task<IReadOnlyList<RedisEntry>> ReadAsync(IDatabase db, DateTimeOffset now)
    {
        for (var attempt = 1; ; attempt++)
        {
            var keys = ((RedisResult[])(await db.ExecuteAsync("KEYS", RedisKeys.Prefix + "*"))!).Select(k => (string)k!).ToList();
            var types = await Task.WhenAll(keys.Select(key => db.KeyTypeAsync(key)));
            if (!types.Contains(RedisType.None))
            {
                var transaction = db.CreateTransaction();
                var listed = transaction.ExecuteAsync("KEYS", RedisKeys.Prefix + "*");
                var reads = keys.Select((key, i) => Queue(transaction, key, types[i])).ToList();
                await transaction.ExecuteAsync();
                try
                {
                    var entries = await Task.WhenAll(reads.Select(read => EntryAsync(read, now)));
                    var keysThen = ((RedisResult[])(await listed)!).Select(k => (string)k!).ToHashSet();
                    if (keysThen.SetEquals(keys)) return entries;
                }
                catch (RedisServerException) when (attempt < Attempts)
                {
                    // A key was replaced by one of another type in between: WRONGTYPE.
                }
            }
            if (attempt == Attempts) throw new InvalidOperationException($"Redis changed during each of {Attempts} attempts at a snapshot.");
        }
    }

    // A key's reads, queued on the transaction: its value (by its type) and its time to live.
    private sealed record QueuedRead(string Key, RedisType Type, Task Value, Task<TimeSpan?> ExpiresIn);

    private static QueuedRead Queue(ITransaction transaction, string key, RedisType type) => new(key, type, type switch
    {
        RedisType.String => transaction.StringGetAsync(key),
        RedisType.Hash => transaction.HashGetAllAsync(key),
        RedisType.List => transaction.ListRangeAsync(key),
        RedisType.Set => transaction.SetMembersAsync(key),
        RedisType.SortedSet => transaction.SortedSetRangeByRankWithScoresAsync(key),
        _ => throw new NotSupportedException($"{key} is a {type}; FineTune stores none."),
    }, transaction.KeyTimeToLiveAsync(key));

    // Once the transaction has run.
    private static async Task<RedisEntry> EntryAsync(QueuedRead read, DateTimeOffset now)
    {
        (RedisValue[] Values, List<double>? Scores) content = read.Value switch
        {
            Task<RedisValue> value => ([await value], null),
            Task<HashEntry[]> hash => ((await hash).SelectMany(e => new[] { e.Name, e.Value }).ToArray(), null),
            Task<RedisValue[]> members => (await members, null),
            Task<SortedSetEntry[]> sorted => Scored(await sorted),
            _ => throw new UnreachableException(),
        };
        var expiresAt = await read.ExpiresIn is { } ttl ? now + ttl : (DateTimeOffset?)null;
        return new RedisEntry(read.Key, read.Type, content.Values.Select(v => (byte[])v!).ToList(), content.Scores, expiresAt);

        static (RedisValue[], List<double>?) Scored(SortedSetEntry[] members) => (members.Select(m => m.Element).ToArray(), members.Select(m => m.Score).ToList());
    }

    // Replaces the key with the entry; one whose expiry has passed is left out, as Redis would have dropped it.
    public static async Task WriteAsync(IDatabase db, RedisEntry entry, DateTimeOffset now)
    {
        if (entry.ExpiresAt <= now) return;
        var values = entry.Values.Select(v => (RedisValue)v).ToArray();
        var transaction = db.CreateTransaction();
        _ = transaction.KeyDeleteAsync(entry.Key);
        Task written = entry.Type switch
        {
            RedisType.String => transaction.StringSetAsync(entry.Key, values.Single()),
            RedisType.Hash => transaction.HashSetAsync(entry.Key, values.Chunk(2).Select(pair => new HashEntry(pair[0], pair[1])).ToArray()),
            RedisType.List => transaction.ListRightPushAsync(entry.Key, values),
            RedisType.Set => transaction.SetAddAsync(entry.Key, values),
            RedisType.SortedSet => transaction.SortedSetAddAsync(entry.Key, values.Zip(entry.Scores!, (m, s) => new SortedSetEntry(m, s)).ToArray()),
            _ => throw new InvalidDataException($"{entry.Key} is a {entry.Type}; a FineTune backup holds none."),
        };
        if (entry.ExpiresAt is { } expiresAt) _ = transaction.KeyExpireAsync(entry.Key, expiresAt.UtcDateTime);
        await transaction.ExecuteAsync();
        await written;
    }
}
