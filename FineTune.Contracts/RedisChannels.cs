namespace FineTune.Contracts;

// The Redis pub/sub channels the services talk over: the Worker and the Api publish, the Web relays.
public static class RedisChannels
{
    // A JobUpdate: a job's new snapshot and the events it added.
    public const string JobUpdates = "finetune:job-updates";

    // An EvalRunUpdate: a run's new figures and the items it graded.
    public const string EvalRunUpdates = "finetune:eval-run-updates";

    // A NotificationPublished: a notification for one user, and their unread count.
    public const string Notifications = "finetune:notifications";
}
