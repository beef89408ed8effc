using Microsoft.AspNetCore.SignalR;
using StackExchange.Redis;

namespace FineTune.Web.Jobs;

// Forwards what the Worker publishes on the job-updates channel to the connections that joined the job.
// Messages are handled one at a time, in the order Redis delivers them.
// Every Web replica subscribes to the channel, so each replica sends to its own connections only
// (LocalJobConnections): a send to the job's group would go through the SignalR Redis backplane to
// every replica, and with N replicas each client would get each update N times. A send to one local
// connection is written to it directly (RedisHubLifetimeManager skips the bus for local connections).
// Pub/sub delivers a message only to those subscribed at that moment: when the subscription comes back after
// a drop, the relay asks its connections to catch up from the Api, as what was published meanwhile is gone.
public sealed class JobEventRelay(
    IConnectionMultiplexer redis,
    IHubContext<JobsHub> hub,
    LocalJobConnections local,
    ILogger<JobEventRelay> logger) : BackgroundService
{
    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(5);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var channel = RedisChannel.Literal(RedisChannels.JobUpdates);
        var subscriber = redis.GetSubscriber();
        ChannelMessageQueue? queue = null;

        // Redis may not be up yet when the Web starts; keep trying instead of stopping the host.
        // (Cancellation during the delay ends ExecuteAsync, which the host expects on shutdown.)
        while (queue is null && !stoppingToken.IsCancellationRequested)
        {
            try
            {
                queue = await subscriber.SubscribeAsync(channel);
                logger.LogInformation("Relaying job updates from Redis channel {Channel}", RedisChannels.JobUpdates);
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException)
            {
                logger.LogWarning(ex, "Could not subscribe to {Channel}; retrying in {Delay}", RedisChannels.JobUpdates, RetryDelay);
                await Task.Delay(RetryDelay, stoppingToken);
            }
        }
        if (queue is null)
        {
            return;
        }

        redis.ConnectionRestored += OnConnectionRestored;
        try
        {
            await foreach (var message in queue.WithCancellation(stoppingToken))
            {
                await RelayAsync(message.Message, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            redis.ConnectionRestored -= OnConnectionRestored;
            await UnsubscribeAsync(queue);
        }
    }

    // The multiplexer sends its subscriptions again before it raises ConnectionRestored, so they are in place
    // before any client reads the Api. Any connection type: under RESP3 pub/sub may share the interactive one.
    private void OnConnectionRestored(object? sender, ConnectionFailedEventArgs e) => _ = AskToCatchUpAsync();

    private async Task AskToCatchUpAsync()
    {
        try
        {
            var joined = local.All();
            if (joined.Count == 0) return;
            logger.LogInformation("Redis connection restored; the clients of {Count} jobs catch up from the Api", joined.Count);
            await Task.WhenAll(joined.SelectMany(job =>
                job.Connections.Select(id => hub.Clients.Client(id).SendAsync(JobsHubContract.CatchUp, job.JobId))));
        }
        catch (Exception ex)
        {
            // Their next update shows them the hole all the same.
            logger.LogWarning(ex, "Could not ask the clients to catch up after the Redis connection was restored");
        }
    }

    // On shutdown the multiplexer may already be disposed; the subscription ends with it anyway.
    private async Task UnsubscribeAsync(ChannelMessageQueue queue)
    {
        try
        {
            await queue.UnsubscribeAsync();
        }
        catch (Exception ex) when (ex is ObjectDisposedException or RedisException)
        {
            logger.LogDebug(ex, "Unsubscribing from {Channel} failed during shutdown", RedisChannels.JobUpdates);
        }
    }

    private async Task RelayAsync(RedisValue message, CancellationToken cancellationToken)
    {
        JobUpdate update;
        try
        {
            update = FineTuneJson.Deserialize<JobUpdate>(message.ToString());
        }
        catch (System.Text.Json.JsonException ex)
        {
            logger.LogWarning(ex, "Ignored a message on {Channel} that is not a JobUpdate", RedisChannels.JobUpdates);
            return;
        }

        try
        {
            var connections = local.Of(update.Job.Id);
            if (connections.Count == 0) return;
            await Task.WhenAll(connections.Select(id => hub.Clients.Client(id).SendAsync(JobsHubContract.JobUpdated, update, cancellationToken)));
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // A lost update is recovered by the page's refill from the Api; never stop relaying.
            logger.LogWarning(ex, "Could not relay an update of job {JobId}", update.Job.Id);
        }
    }
}
