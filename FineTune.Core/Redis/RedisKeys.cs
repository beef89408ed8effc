namespace FineTune.Core.Redis;

// Every Redis key and channel FineTune uses, in one place, so the services agree on them.
public static class RedisKeys
{
    public const string JobUpdatesChannel = "finetune:job-updates";

    public const string ActiveJobs = "finetune:jobs:active";
    public const string AllJobs = "finetune:jobs:all";
    public static string Job(string jobId) => $"finetune:job:{jobId}";
    public static string JobEvents(string jobId) => $"finetune:job:{jobId}:events";
    public static string JobEventIndex(string jobId) => $"finetune:job:{jobId}:event-index";
    public static string JobLease(string jobId) => $"finetune:job:{jobId}:lease";

    public const string DataProtectionKeys = "finetune:data-protection-keys";

    public const string AllDatasets = "finetune:datasets:all";
    public static string Dataset(string datasetId) => $"finetune:dataset:{datasetId}";

    public static string JobIdempotencyKey(string userId, string key) => $"finetune:idempotency:{userId}:{key}";

    public static string Token(string tokenHash) => $"finetune:token:{tokenHash}";
    public static string UserTokens(string userId) => $"finetune:user:{userId}:tokens";
    public static string User(string userId) => $"finetune:user:{userId}";
    public static string UserByEmail(string normalizedEmail) => $"finetune:user-by-email:{normalizedEmail}";
    public static string SignInFailures(string normalizedEmail) => $"finetune:sign-in-failures:{normalizedEmail}";

    public static string Workspace(string workspaceId) => $"finetune:workspace:{workspaceId}";
    public static string WorkspaceMembers(string workspaceId) => $"finetune:workspace:{workspaceId}:members";
    public static string UserWorkspaces(string userId) => $"finetune:user:{userId}:workspaces";
    public static string WorkspaceJobs(string workspaceId) => $"finetune:workspace:{workspaceId}:jobs";
    public static string WorkspaceDatasets(string workspaceId) => $"finetune:workspace:{workspaceId}:datasets";
    public static string Invitation(string tokenHash) => $"finetune:invitation:{tokenHash}";
    public static string WorkspaceInvitations(string workspaceId) => $"finetune:workspace:{workspaceId}:invitations";
}
