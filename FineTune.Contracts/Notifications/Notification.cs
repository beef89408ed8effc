namespace FineTune.Contracts;

// One thing a person is told about in the console's bell: a job of theirs (or one they watch) finished,
// or waits for, got or was refused an owner's approval; or a model of the workspace shuts down soon (JobId its job, or "").
public sealed record Notification(
    string Id,
    DateTimeOffset At,
    string WorkspaceId,
    string JobId,
    string Kind,
    string Title,
    string Message)
{
    public bool Read { get; init; }
}

public static class NotificationKind
{
    public const string JobSucceeded = "job.succeeded";
    public const string JobFailed = "job.failed";
    public const string JobCancelled = "job.cancelled";
    public const string JobPendingApproval = "job.pending_approval";
    public const string JobApproved = "job.approved";
    public const string JobDenied = "job.denied";
    public const string ModelRetiring = "model.retiring";
}

// GET /api/notifications: the newest first, and how many of all kept are unread.
public sealed record NotificationList(IReadOnlyList<Notification> Items, long Unread);

// What goes out on RedisChannels.Notifications: one user's new notification and their unread count,
// so an open bell updates without asking the Api.
public sealed record NotificationPublished(string UserId, Notification Notification, long Unread);

// GET /api/jobs/{id}/watchers: a watcher as the console shows them.
public sealed record JobWatcher(string UserId, string Name);
