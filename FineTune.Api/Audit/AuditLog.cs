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
// Each entry is also kept in a narrow log of its target, of its actor, of its action and of its kind of action, trimmed the
// same way, so a filter on one of them reads that log instead of scanning the workspace's. That costs each entry five copies.
public sealed class AuditLog(IConnectionMultiplexer redis, TimeProvider time)
{
    public const int Capacity = 100_000;
    private const int ReadBatch = 500;

    // What the narrow logs of a workspace hold, as its marker records once they are filled: 2 adds the exact-action logs.
    private const string NarrowLogsVersion = "2";

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
        var json = FineTuneJson.Serialize(entry);
        var transaction = Db.CreateTransaction();
        foreach (var log in LogsOf(entry))
        {
            _ = transaction.SortedSetAddAsync(log, json, entry.At.ToUnixTimeMilliseconds());
            _ = transaction.SortedSetRemoveRangeByRankAsync(log, 0, -(Capacity + 1));
        }
        await transaction.ExecuteAsync();
        return entry;
    }

    // Newest first, in batches from the narrowest log that holds every match, filtered here, until the page is full or
    // the time range ends.
    public async Task<AuditPage> QueryAsync(string workspaceId, AuditQuery query)
    {
        var key = NarrowestLog(workspaceId, query);
        double max = query.Before?.At ?? double.PositiveInfinity;
        if (query.To is { } to) max = Math.Min(max, to.ToUnixTimeMilliseconds());
        double min = query.From?.ToUnixTimeMilliseconds() ?? double.NegativeInfinity;
        if (key != RedisKeys.WorkspaceAudit(workspaceId)) min = Math.Max(min, await OldestKeptAsync(workspaceId));

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

    // Logs written before the narrow logs existed: their entries into the narrow logs, once per workspace.
    public async Task<int> BackfillNarrowLogsAsync(IReadOnlyList<string> workspaceIds)
    {
        var entered = 0;
        foreach (var workspaceId in workspaceIds)
        {
            if (await Db.StringGetAsync(RedisKeys.WorkspaceAuditIndexed(workspaceId)) == NarrowLogsVersion) continue;
            for (long offset = 0; ; offset += ReadBatch)
            {
                var batch = await Db.SortedSetRangeByRankWithScoresAsync(RedisKeys.WorkspaceAudit(workspaceId), offset, offset + ReadBatch - 1);
                var adds = batch.Select(item => (Entry: FineTuneJson.Deserialize<AuditEntry>(item.Element.ToString()), Item: item))
                    .Select(each => Task.WhenAll(LogsOf(each.Entry).Skip(1).Select(log => Db.SortedSetAddAsync(log, each.Item.Element, each.Item.Score))));
                entered += (await Task.WhenAll(adds)).Count(added => added.Any(wasNew => wasNew));
                if (batch.Length < ReadBatch) break;
            }
            await Db.StringSetAsync(RedisKeys.WorkspaceAuditIndexed(workspaceId), NarrowLogsVersion);
        }
        return entered;
    }

    // The workspace's log first. The action log and the kind log share the field: an action (job.cancelled) has a dot,
    // its kind (job) has none; an action without one is its own kind, and its two logs are one.
    private static IEnumerable<string> LogsOf(AuditEntry entry) => new[]
    {
        RedisKeys.WorkspaceAudit(entry.WorkspaceId),
        RedisKeys.WorkspaceAuditBy(entry.WorkspaceId, "target", entry.TargetId),
        RedisKeys.WorkspaceAuditBy(entry.WorkspaceId, "actor", entry.ActorId),
        RedisKeys.WorkspaceAuditBy(entry.WorkspaceId, "action", entry.Action),
        RedisKeys.WorkspaceAuditBy(entry.WorkspaceId, "action", ActionKind(entry.Action)!),
    }.Distinct();

    private static string NarrowestLog(string workspaceId, AuditQuery query) =>
        query.TargetId is { } target ? RedisKeys.WorkspaceAuditBy(workspaceId, "target", target)
        : query.ActorId is { } actor ? RedisKeys.WorkspaceAuditBy(workspaceId, "actor", actor)
        : query.Action is { Length: > 0 } action && !IsPrefix(action) ? RedisKeys.WorkspaceAuditBy(workspaceId, "action", action)
        : ActionKind(query.Action) is { } kind ? RedisKeys.WorkspaceAuditBy(workspaceId, "action", kind)
        : RedisKeys.WorkspaceAudit(workspaceId);

    // "job." and "job.*" match every action that starts with "job."; anything else matches one action exactly.
    private static bool IsPrefix(string action) => action.EndsWith('*') || action.EndsWith('.');

    // "job" for job.cancelled and for the filters job. and job.*; none for a filter that is a prefix of kinds (jo*).
    private static string? ActionKind(string? action)
    {
        if (string.IsNullOrEmpty(action)) return null;
        var dot = action.IndexOf('.', StringComparison.Ordinal);
        if (dot > 0) return action[..dot];
        return IsPrefix(action) ? null : action;
    }

    // A narrow log may still hold entries that the workspace's full log has dropped; they stay dropped.
    private async Task<double> OldestKeptAsync(string workspaceId)
    {
        var key = RedisKeys.WorkspaceAudit(workspaceId);
        if (await Db.SortedSetLengthAsync(key) < Capacity) return double.NegativeInfinity;
        var oldest = await Db.SortedSetRangeByRankWithScoresAsync(key, 0, 0);
        return oldest.Length == 0 ? double.NegativeInfinity : oldest[0].Score;
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
