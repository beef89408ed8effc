using System.Text;
using Microsoft.AspNetCore.DataProtection;
using StackExchange.Redis;

namespace FineTune.Data;

// A workspace's incoming-webhook URL (Slack or Teams). The URL is the secret (whoever has it can post
// to the channel): it is stored encrypted with the Data Protection key ring the Api and the Worker
// share (see ConnectionServiceCollectionExtensions), and the Api only ever says whether one is set.
public sealed class WorkspaceWebhooks(IConnectionMultiplexer redis, IDataProtectionProvider dataProtection)
{
    public const string Purpose = "FineTune.Webhooks.Url";

    private readonly IDataProtector _protector = dataProtection.CreateProtector(Purpose);

    private IDatabase Db => redis.GetDatabase();

    public async Task<bool> IsConfiguredAsync(string workspaceId) => await Db.KeyExistsAsync(RedisKeys.WorkspaceWebhook(workspaceId));

    public async Task<string?> GetUrlAsync(string workspaceId)
    {
        var stored = await Db.StringGetAsync(RedisKeys.WorkspaceWebhook(workspaceId));
        return stored.IsNull ? null : _protector.Unprotect(stored.ToString());
    }

    public Task SetUrlAsync(string workspaceId, string url) => Db.StringSetAsync(RedisKeys.WorkspaceWebhook(workspaceId), _protector.Protect(url));

    public Task RemoveAsync(string workspaceId) => Db.KeyDeleteAsync(RedisKeys.WorkspaceWebhook(workspaceId));
}

public sealed record WebhookMessage(string WorkspaceId, string Text, DateTimeOffset At);

// Messages waiting to be posted to workspaces' webhooks: a Redis list that the Worker's WebhookDelivery
// drains (LPOP, so with several workers each message goes out once), woken by a message on
// RedisKeys.WebhookOutboxChannel. The Api and the Worker only enqueue, so a slow receiver never holds
// up a request or a poll.
public sealed class WebhookOutbox(IConnectionMultiplexer redis)
{
    private IDatabase Db => redis.GetDatabase();

    public async Task EnqueueAsync(WebhookMessage message)
    {
        await Db.ListRightPushAsync(RedisKeys.WebhookOutbox, FineTuneJson.Serialize(message));
        await redis.GetSubscriber().PublishAsync(RedisChannel.Literal(RedisKeys.WebhookOutboxChannel), message.WorkspaceId);
    }

    public async Task<WebhookMessage?> TakeAsync()
    {
        var json = await Db.ListLeftPopAsync(RedisKeys.WebhookOutbox);
        return json.IsNull ? null : FineTuneJson.Deserialize<WebhookMessage>(json.ToString());
    }
}

// What the receiver answered: its status code, or why there was no answer.
public sealed record WebhookResult(int? StatusCode, string? Error)
{
    public bool Delivered => StatusCode is >= 200 and < 300;
}

// Posts { "text": "..." }, the body Slack's and Teams' incoming webhooks both accept, with a short
// timeout and one retry when the receiver did not answer or answered 408, 429 or 5xx.
public sealed class WebhookSender(HttpClient http)
{
    public static readonly TimeSpan AttemptTimeout = TimeSpan.FromSeconds(5);

    public async Task<WebhookResult> SendAsync(string url, string text, CancellationToken cancellationToken)
    {
        var first = await TrySendAsync(url, text, cancellationToken);
        if (first.Delivered || first.StatusCode is >= 400 and < 500 and not 408 and not 429) return first;
        return await TrySendAsync(url, text, cancellationToken);
    }

    // Slack's and Teams' webhook URLs carry their secret in the path: only scheme, host and port are
    // ever logged or shown.
    public static string Redact(string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) ? uri.GetLeftPart(UriPartial.Authority) : "(not a URL)";

    private async Task<WebhookResult> TrySendAsync(string url, string text, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(AttemptTimeout);
        try
        {
            using var content = new StringContent(FineTuneJson.Serialize(new { text }), Encoding.UTF8, "application/json");
            using var response = await http.PostAsync(url, content, timeout.Token);
            return new WebhookResult((int)response.StatusCode, null);
        }
        catch (HttpRequestException e)
        {
            return new WebhookResult(null, EgressRefusedException.Find(e) is not null ? EgressPolicy.NotAllowed : e.Message);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new WebhookResult(null, $"no answer within {AttemptTimeout.TotalSeconds:0} seconds");
        }
    }
}
