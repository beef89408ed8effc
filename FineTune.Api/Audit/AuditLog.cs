using System.Globalization;
using System.Security.Claims;
using FineTune.Api.Accounts;
using StackExchange.Redis;

namespace FineTune.Api.Audit;

// Filters of GET /api/audit. Action matches exactly, or as a prefix when it ends with '.' or '*'
// ("job." and "job.*" both match every job action).
public sealed record AuditQuery(
    string? Action, string? ActorId, string? TargetId, DateTimeOffset? From, DateTimeOffset? To, AuditCursor? Before, int Limit);

// Where a page ended: the last entry's time (Unix ms) and id. Entries at the same millisecond are kept
// in a fixed order by Redis, so the id says how far into them the page went.
public sealed record AuditCursor(long At, string Id)
{
    public override string ToString() => $"{At}_{Id}";

    public static bool TryParse(string? text, out AuditCursor? cursor)
    {
        cursor = null;
        var parts = (text ?? "").Split('_', 2);
        if (parts.Length != 2 || !long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var at)) return false;
        cursor = new AuditCursor(at, parts[1]);
        return true;
    }
}

// Each workspace's audit log: a sorted set of entries (JSON) scored by time, newest Capacity kept.
// Entries are written after the act succeeded, so the log never shows something that did not happen.
public sealed class AuditLog(IConnectionMultiplexer redis, TimeProvider time)
{
    public const int Capacity = 100_000;
    private const int ReadBatch = 500;

    private IDatabase Db => redis.GetDatabase();

    public Task<AuditEntry> RecordAsync(
        string workspaceId, ClaimsPrincipal actor, string action, string targetType, string targetId, string? targetName = null, string? details = null) =>
        RecordAsync(workspaceId, actor.UserId(), actor.Identity?.Name ?? actor.UserId(), action, targetType, targetId, targetName, details);

    // For acts by someone not yet signed in (a sign-up).
    public async Task<AuditEntry> RecordAsync(
        string workspaceId, string actorId, string actorName, string action, string targetType, string targetId, string? targetName, string? details)
    {
        var entry = new AuditEntry("aud_" + Guid.NewGuid().ToString("N")[..16], time.GetUtcNow(), workspaceId,
            actorId, actorName, action, targetType, targetId, targetName, details);
        var key = RedisKeys.WorkspaceAudit(workspaceId);
        var transaction = Db.CreateTransaction();
        _ = transaction.SortedSetAddAsync(key, FineTuneJson.Serialize(entry), entry.At.ToUnixTimeMilliseconds());
        _ = transaction.SortedSetRemoveRangeByRankAsync(key, 0, -(Capacity + 1));
        await transaction.ExecuteAsync();
        return entry;
    }

    // Newest first, in batches from Redis, filtered here, until the page is full or the time range ends.
    public async Task<AuditPage> QueryAsync(string workspaceId, AuditQuery query)
    {
        var key = RedisKeys.WorkspaceAudit(workspaceId);
        double max = query.Before?.At ?? double.PositiveInfinity;
        if (query.To is { } to) max = Math.Min(max, to.ToUnixTimeMilliseconds());
        double min = query.From?.ToUnixTimeMilliseconds() ?? double.NegativeInfinity;

        var found = new List<(AuditEntry Entry, long At)>();
        var skippingToCursor = query.Before is not null;
        for (long offset = 0; found.Count <= query.Limit; offset += ReadBatch)
        {
            var batch = await Db.SortedSetRangeByScoreWithScoresAsync(key, min, max, Exclude.None, Order.Descending, offset, ReadBatch);
            foreach (var item in batch)
            {
                var entry = FineTuneJson.Deserialize<AuditEntry>(item.Element.ToString());
                var at = (long)item.Score;
                if (skippingToCursor)
                {
                    // Entries at the cursor's millisecond up to and including the cursor were on earlier pages.
                    if (at == query.Before!.At)
                    {
                        if (entry.Id == query.Before.Id) skippingToCursor = false;
                        continue;
                    }
                    skippingToCursor = false;
                }
                if (Matches(entry, query)) found.Add((entry, at));
                if (found.Count > query.Limit) break;
            }
            if (batch.Length < ReadBatch) break;
        }

        var page = found.Take(query.Limit).ToList();
        var next = found.Count > query.Limit ? new AuditCursor(page[^1].At, page[^1].Entry.Id).ToString() : null;
        return new AuditPage(page.Select(f => f.Entry).ToList(), next);
    }

    private static bool Matches(AuditEntry entry, AuditQuery query) =>
        (query.ActorId is null || entry.ActorId == query.ActorId)
        && (query.TargetId is null || entry.TargetId == query.TargetId)
        && query.Action switch
        {
            null or "" => true,
            var prefix when prefix.EndsWith('*') => entry.Action.StartsWith(prefix[..^1], StringComparison.Ordinal),
            var prefix when prefix.EndsWith('.') => entry.Action.StartsWith(prefix, StringComparison.Ordinal),
            var action => entry.Action == action,
        };
}
