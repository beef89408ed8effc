using StackExchange.Redis;

namespace FineTune.Data;

// Each user's notifications: a sorted set of ids by time, a hash id → notification, and a set of the
// unread ids (so marking one read is one SREM and the unread count one SCARD). The newest Capacity are
// kept; older ones are dropped as new ones arrive.
public sealed class NotificationStore(IConnectionMultiplexer redis)
{
    public const int Capacity = 200;

    private IDatabase Db => redis.GetDatabase();

    public async Task AddAsync(IEnumerable<string> userIds, Notification notification)
    {
        var json = FineTuneJson.Serialize(notification with { Read = false });
        foreach (var userId in userIds.Distinct())
        {
            var transaction = Db.CreateTransaction();
            _ = transaction.SortedSetAddAsync(RedisKeys.UserNotifications(userId), notification.Id, notification.At.ToUnixTimeMilliseconds());
            _ = transaction.HashSetAsync(RedisKeys.UserNotificationData(userId), notification.Id, json);
            _ = transaction.SetAddAsync(RedisKeys.UserUnreadNotifications(userId), notification.Id);
            var unread = transaction.SetLengthAsync(RedisKeys.UserUnreadNotifications(userId));
            await transaction.ExecuteAsync();
            await TrimAsync(userId);
            await redis.GetSubscriber().PublishAsync(
                RedisChannel.Literal(RedisChannels.Notifications),
                FineTuneJson.Serialize(new NotificationPublished(userId, notification, await unread)));
        }
    }

    public async Task<NotificationList> ListAsync(string userId, bool unreadOnly, int limit)
    {
        var unreadIds = (await Db.SetMembersAsync(RedisKeys.UserUnreadNotifications(userId))).Select(id => id.ToString()).ToHashSet();
        var ids = await Db.SortedSetRangeByRankAsync(RedisKeys.UserNotifications(userId), 0, -1, Order.Descending);
        var wanted = ids.Where(id => !unreadOnly || unreadIds.Contains(id.ToString())).Take(limit).ToArray();
        var values = wanted.Length == 0 ? [] : await Db.HashGetAsync(RedisKeys.UserNotificationData(userId), wanted);
        var items = values.Where(v => !v.IsNull)
            .Select(v => FineTuneJson.Deserialize<Notification>(v.ToString()))
            .Select(n => n with { Read = !unreadIds.Contains(n.Id) })
            .ToList();
        return new NotificationList(items, unreadIds.Count);
    }

    // False when the user has no such notification.
    public async Task<bool> MarkReadAsync(string userId, string notificationId)
    {
        if (!await Db.HashExistsAsync(RedisKeys.UserNotificationData(userId), notificationId)) return false;
        await Db.SetRemoveAsync(RedisKeys.UserUnreadNotifications(userId), notificationId);
        return true;
    }

    public Task MarkAllReadAsync(string userId) => Db.KeyDeleteAsync(RedisKeys.UserUnreadNotifications(userId));

    private async Task TrimAsync(string userId)
    {
        var dropped = await Db.SortedSetRangeByRankAsync(RedisKeys.UserNotifications(userId), 0, -(Capacity + 1));
        if (dropped.Length == 0) return;
        var transaction = Db.CreateTransaction();
        _ = transaction.SortedSetRemoveAsync(RedisKeys.UserNotifications(userId), dropped);
        _ = transaction.HashDeleteAsync(RedisKeys.UserNotificationData(userId), dropped);
        _ = transaction.SetRemoveAsync(RedisKeys.UserUnreadNotifications(userId), dropped);
        await transaction.ExecuteAsync();
    }
}
