using System.Diagnostics;
using FineTune.Web.Telemetry;
using Microsoft.AspNetCore.SignalR;
using StackExchange.Redis;

namespace FineTune.Web.Jobs;

// Forwards what the Worker publishes on the job-updates and eval-run-updates channels to the connections that joined
// the job or run. Each channel's messages are handled one at a time, in the order Redis delivers them.
// Every Web replica subscribes to the channels, so each replica sends to its own connections only
// (LocalJoins): a send to the group would go through the SignalR Redis backplane to every replica, and with
// N replicas each client would get each update N times. A send to one local connection is written to it
// directly (RedisHubLifetimeManager skips the bus for local connections).
// Pub/sub delivers a message only to those subscribed at that moment: when the subscription comes back after
// a drop, the relay asks its connections to catch up from the Api, as what was published meanwhile is gone.
// Each relay continues the publisher's trace (the update's traceparent), so a job's poll, publish, relay and send are one trace.
public sealed class LiveUpdateRelay(
    IConnectionMultiplexer redis,
    IHubContext<JobsHub> hub,
    LocalJoins local,
    ILogger<LiveUpdateRelay> logger) : BackgroundService
{
    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(5);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var jobs = await SubscribeAsync(RedisChannels.JobUpdates, stoppingToken);
        var runs = await SubscribeAsync(RedisChannels.EvalRunUpdates, stoppingToken);
        if (jobs is null || runs is null)
        {
            return;
        }

        redis.ConnectionRestored += OnConnectionRestored;
        try
        {
            await Task.WhenAll(
                RelayAllAsync<JobUpdate>(jobs, "job", JobsHubContract.JobUpdated, update => update.Job.Id, stoppingToken),
                RelayAllAsync<EvalRunUpdate>(runs, "eval_run", JobsHubContract.EvalRunUpdated, update => update.Run.Id, stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            redis.ConnectionRestored -= OnConnectionRestored;
            await UnsubscribeAsync(jobs);
            await UnsubscribeAsync(runs);
        }
    }

    // Redis may not be up yet when the Web starts; keep trying instead of stopping the host.
    // (Cancellation during the delay ends ExecuteAsync, which the host expects on shutdown.)
    private async Task<ChannelMessageQueue?> SubscribeAsync(string channel, CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var queue = await redis.GetSubscriber().SubscribeAsync(RedisChannel.Literal(channel));
                logger.LogInformation("Relaying updates from Redis channel {Channel}", channel);
                return queue;
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException)
            {
                logger.LogWarning(ex, "Could not subscribe to {Channel}; retrying in {Delay}", channel, RetryDelay);
                await Task.Delay(RetryDelay, stoppingToken);
            }
        }
        return null;
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
            logger.LogInformation("Redis connection restored; the clients of {Count} jobs and runs catch up from the Api", joined.Count);
            await Task.WhenAll(joined.SelectMany(thing =>
                thing.Connections.Select(id => hub.Clients.Client(id).SendAsync(JobsHubContract.CatchUp, thing.Id))));
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
            logger.LogDebug(ex, "Unsubscribing from {Channel} failed during shutdown", queue.Channel);
        }
    }

    // kind names the spans: "job.relay" and "job.send", "eval_run.relay" and "eval_run.send".
    private async Task RelayAllAsync<T>(ChannelMessageQueue queue, string kind, string method, Func<T, string> idOf, CancellationToken cancellationToken)
        where T : PublishedUpdate
    {
        await foreach (var message in queue.WithCancellation(cancellationToken))
        {
            await RelayAsync(message.Message, kind, method, idOf, cancellationToken);
        }
    }

    private async Task RelayAsync<T>(RedisValue message, string kind, string method, Func<T, string> idOf, CancellationToken cancellationToken)
        where T : PublishedUpdate
    {
        T update;
        try
        {
            update = FineTuneJson.Deserialize<T>(message.ToString());
        }
        catch (System.Text.Json.JsonException ex)
        {
            logger.LogWarning(ex, "Ignored a message that is not a {Type}", typeof(T).Name);
            return;
        }

        var id = idOf(update);
        // Without a traceparent (an older publisher) the relay starts a trace of its own.
        ActivityContext.TryParse(update.Traceparent, null, isRemote: true, out var published);
        using var relay = WebTelemetry.Source.StartActivity($"{kind}.relay", ActivityKind.Consumer, published)?.SetTag("finetune.update.id", id);
        try
        {
            var connections = local.Of(id);
            if (connections.Count == 0) return;
            using (WebTelemetry.Source.StartActivity($"{kind}.send")?.SetTag("finetune.update.connections", connections.Count))
            {
                await Task.WhenAll(connections.Select(connection => hub.Clients.Client(connection).SendAsync(method, update, cancellationToken)));
            }
            if (update.PublishedAt is { } publishedAt) WebTelemetry.RelayDelay.Record((DateTimeOffset.UtcNow - publishedAt).TotalSeconds);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // A lost update is recovered by the page's refill from the Api; never stop relaying.
            relay?.SetStatus(ActivityStatusCode.Error, ex.Message);
            logger.LogWarning(ex, "Could not relay an update of {Id}", id);
        }
    }
}
