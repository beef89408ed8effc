namespace FineTune.Data;

// Tells people of a workspace something: a notification in each one's bell and, when the workspace has a webhook,
// the same news in the webhook outbox. Job news (JobNotifications) and model countdowns (the Worker's) go out here.
public sealed class WorkspaceNews(
    NotificationStore notifications, WorkspaceStore workspaces, WorkspaceWebhooks webhooks, WebhookOutbox outbox, TimeProvider time)
{
    // jobId: the job the news is about, or "" for news about no job.
    public async Task TellAsync(string workspaceId, string jobId, string kind, string title, string message, IEnumerable<string> userIds)
    {
        var now = time.GetUtcNow();
        var notification = new Notification("ntf_" + Guid.NewGuid().ToString("N")[..16], now, workspaceId, jobId, kind, title, message);
        await notifications.AddAsync(userIds, notification);

        if (!await webhooks.IsConfiguredAsync(workspaceId)) return;
        var workspaceName = (await workspaces.GetAsync(workspaceId))?.Name ?? workspaceId;
        await outbox.EnqueueAsync(new WebhookMessage(workspaceId, $"[{workspaceName}] {title}. {message}", now));
    }
}
