namespace FineTune.Contracts;

// The provider's job statuses, as OpenAI spells them.
public static class JobStatus
{
    public const string ValidatingFiles = "validating_files";
    public const string Queued = "queued";
    public const string Running = "running";
    public const string Paused = "paused";
    public const string Succeeded = "succeeded";
    public const string Failed = "failed";
    public const string Cancelled = "cancelled";

    // FineTune's own statuses, never the provider's: a job over its workspace's monthly budget waits
    // for an owner's approval (nothing is on the provider yet), and a denied one never starts.
    public const string PendingApproval = "pending_approval";
    public const string Denied = "denied";

    // Also FineTune's own: the Worker is sending the job's datasets to the provider, then creates it there.
    public const string Uploading = "uploading";

    public static IReadOnlyList<string> All { get; } =
        [ValidatingFiles, Queued, Running, Paused, Succeeded, Failed, Cancelled, PendingApproval, Denied, Uploading];

    public static bool IsTerminal(string status) => status is Succeeded or Failed or Cancelled or Denied;

    // Whether the Worker holds the job (uploads it, then polls the provider for it): a job waiting for approval
    // is not its yet.
    public static bool IsPolled(string status) => !IsTerminal(status) && status != PendingApproval;
}
