using System.Diagnostics;
using System.Globalization;
using FineTune.Worker.Telemetry;
using StackExchange.Redis;

namespace FineTune.Worker.Notifications;

// Posts what the Api and the pollers put in the webhook outbox to each workspace's webhook. It wakes
// on the outbox channel and also looks every SweepInterval, for a message whose wake-up it missed
// (Redis away for a moment, the worker starting). A receiver that fails is logged, by host only since
// the URL's path is the secret, and the message is dropped: a chat message is not worth a backlog.
public sealed partial class WebhookDelivery(
    IConnectionMultiplexer redis,
    WebhookOutbox outbox,
    WorkspaceWebhooks webhooks,
    WebhookSender sender,
    ILogger<WebhookDelivery> logger) : BackgroundService
{
    private static readonly TimeSpan SweepInterval = TimeSpan.FromSeconds(10);

    private TaskCompletionSource _wake = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private bool _subscribed;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                // Replaced before draining, so a message enqueued from here on wakes the wait below.
                var wake = _wake = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                await SubscribeAsync();
                await DrainAsync(stoppingToken);
                await Task.WhenAny(wake.Task, Task.Delay(SweepInterval, stoppingToken));
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task SubscribeAsync()
    {
        if (_subscribed) return;
        try
        {
            await redis.GetSubscriber().SubscribeAsync(RedisChannel.Literal(RedisKeys.WebhookOutboxChannel), (_, _) => _wake.TrySetResult());
            _subscribed = true;
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            LogSubscribeFailed(e.Message);
        }
    }

    private async Task DrainAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (await outbox.TakeAsync() is { } message)
            {
                // Removed since the message was queued: nobody wants it any more.
                if (await webhooks.GetUrlAsync(message.WorkspaceId) is not { } url) continue;
                using var scope = logger.BeginScope(new Dictionary<string, object> { ["WorkspaceId"] = message.WorkspaceId });
                using var activity = WorkerTelemetry.Source.StartActivity("webhook.deliver", ActivityKind.Client);
                var result = await sender.SendAsync(url, message.Text, stoppingToken);
                activity?.SetTag("finetune.webhook.delivered", result.Delivered);
                if (!result.Delivered)
                {
                    activity?.SetStatus(ActivityStatusCode.Error);
                    LogNotDelivered(message.WorkspaceId, WebhookSender.Redact(url), result.StatusCode?.ToString(CultureInfo.InvariantCulture) ?? result.Error ?? "no answer");
                }
            }
        }
        catch (Exception e) when (e is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
        {
            LogDeliveryFailed(e.GetType().Name, e.Message);
        }
    }

    [LoggerMessage(LogLevel.Warning, "The webhook of workspace {WorkspaceId} at {Host} did not take a message: {Answer}")]
    private partial void LogNotDelivered(string workspaceId, string host, string answer);

    [LoggerMessage(LogLevel.Warning, "Delivering webhook messages failed ({Error}: {Message}); trying again shortly")]
    private partial void LogDeliveryFailed(string error, string message);

    [LoggerMessage(LogLevel.Warning, "Could not subscribe to the webhook outbox channel ({Message}); sweeping it on a timer meanwhile")]
    private partial void LogSubscribeFailed(string message);
}
