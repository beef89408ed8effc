using StackExchange.Redis;

namespace FineTune.Web.Notifications;

// Hands what the Api and the Worker publish on the notifications channel to the bells open in this
// replica's circuits. Each bell listens for its own user while it is on screen; every replica
// subscribes to the channel itself, so each bell hears each notification once.
public sealed class NotificationRelay(IConnectionMultiplexer redis, ILogger<NotificationRelay> logger) : BackgroundService
{
    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(5);

    private readonly Lock _gate = new();
    private readonly Dictionary<string, List<Func<NotificationPublished, Task>>> _listeners = [];

    // Calls onNotification for each new notification of userId until the returned handle is disposed.
    public IDisposable Listen(string userId, Func<NotificationPublished, Task> onNotification)
    {
        lock (_gate)
        {
            if (!_listeners.TryGetValue(userId, out var list)) _listeners[userId] = list = [];
            list.Add(onNotification);
        }
        return new Listening(this, userId, onNotification);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        ChannelMessageQueue? queue = null;
        // Redis may not be up yet when the Web starts; keep trying instead of stopping the host.
        while (queue is null && !stoppingToken.IsCancellationRequested)
        {
            try
            {
                queue = await redis.GetSubscriber().SubscribeAsync(RedisChannel.Literal(RedisChannels.Notifications));
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException)
            {
                logger.LogWarning(ex, "Could not subscribe to {Channel}; retrying in {Delay}", RedisChannels.Notifications, RetryDelay);
                await Task.Delay(RetryDelay, stoppingToken);
            }
        }
        if (queue is null) return;

        try
        {
            await foreach (var message in queue.WithCancellation(stoppingToken))
            {
                await RelayAsync(message.Message.ToString());
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task RelayAsync(string message)
    {
        NotificationPublished published;
        try
        {
            published = FineTuneJson.Deserialize<NotificationPublished>(message);
        }
        catch (System.Text.Json.JsonException ex)
        {
            logger.LogWarning(ex, "Ignored a message on {Channel} that is not a notification", RedisChannels.Notifications);
            return;
        }

        Func<NotificationPublished, Task>[] listeners;
        lock (_gate)
        {
            listeners = _listeners.TryGetValue(published.UserId, out var list) ? [.. list] : [];
        }
        foreach (var listener in listeners)
        {
            try
            {
                await listener(published);
            }
            catch (Exception ex)
            {
                // A bell whose circuit is gone must not stop the others; it reads the list again when opened.
                logger.LogDebug(ex, "A bell could not show notification {NotificationId}", published.Notification.Id);
            }
        }
    }

    private void Stop(string userId, Func<NotificationPublished, Task> onNotification)
    {
        lock (_gate)
        {
            if (_listeners.TryGetValue(userId, out var list) && list.Remove(onNotification) && list.Count == 0) _listeners.Remove(userId);
        }
    }

    private sealed class Listening(NotificationRelay relay, string userId, Func<NotificationPublished, Task> onNotification) : IDisposable
    {
        public void Dispose() => relay.Stop(userId, onNotification);
    }
}
