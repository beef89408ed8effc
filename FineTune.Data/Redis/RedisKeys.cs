namespace FineTune.Data;

// Every Redis key the Api and the Worker use, in one place, so they agree on them.
public static class RedisKeys
{
    // Every key starts with it (the key rings' too, KeyRing in ServiceDefaults): a backup takes all keys under it.
    public const string Prefix = "finetune:";

    public const string ActiveJobs = "finetune:jobs:active";
    public const string AllJobs = "finetune:jobs:all";
    public static string Job(string jobId) => $"finetune:job:{jobId}";
    public static string JobEvents(string jobId) => $"finetune:job:{jobId}:events";
    public static string JobEventIndex(string jobId) => $"finetune:job:{jobId}:event-index";
    public static string JobLease(string jobId) => $"finetune:job:{jobId}:lease";
    public static string JobCancelRequested(string jobId) => $"finetune:job:{jobId}:cancel-requested";

    // Provider connections; their keys are encrypted with KeyRing.ProviderSecrets (ServiceDefaults), whose
    // keys live in Redis too, as do the Web's cookie keys: the pub/sub channels are in RedisChannels.
    public static string Connection(string connectionId) => $"finetune:connection:{connectionId}";
    public static string WorkspaceConnections(string workspaceId) => $"finetune:workspace:{workspaceId}:connections";

    // The provider file each dataset version (by SHA-256) became on a connection ("server" for the server's own).
    public static string ProviderFiles(string connectionId) => $"finetune:connection:{connectionId}:files";

    public const string AllDatasets = "finetune:datasets:all";
    public static string Dataset(string datasetId) => $"finetune:dataset:{datasetId}";

    public static string JobIdempotencyKey(string userId, string key) => $"finetune:idempotency:{userId}:{key}";

    public static string Token(string tokenHash) => $"finetune:token:{tokenHash}";
    public static string UserTokens(string userId) => $"finetune:user:{userId}:tokens";
    public static string User(string userId) => $"finetune:user:{userId}";
    public static string UserByEmail(string normalizedEmail) => $"finetune:user-by-email:{normalizedEmail}";
    public static string UserByOidcSubject(string issuer, string subject) =>
        $"finetune:user-by-oidc:{Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(issuer)))[..16]}:{subject}";
    public static string SignInFailures(string normalizedEmail) => $"finetune:sign-in-failures:{normalizedEmail}";

    public const string AllWorkspaces = "finetune:workspaces:all";
    public static string Workspace(string workspaceId) => $"finetune:workspace:{workspaceId}";
    public static string WorkspaceMembers(string workspaceId) => $"finetune:workspace:{workspaceId}:members";
    public static string UserWorkspaces(string userId) => $"finetune:user:{userId}:workspaces";
    public static string WorkspaceJobs(string workspaceId) => $"finetune:workspace:{workspaceId}:jobs";
    public static string WorkspaceJobsWithStatus(string workspaceId, string status) => $"finetune:workspace:{workspaceId}:jobs:{status}";
    public const string JobsStatusIndexed = "finetune:jobs:status-indexed";
    public static string WorkspaceDatasets(string workspaceId) => $"finetune:workspace:{workspaceId}:datasets";
    public static string Invitation(string tokenHash) => $"finetune:invitation:{tokenHash}";
    public static string WorkspaceInvitations(string workspaceId) => $"finetune:workspace:{workspaceId}:invitations";

    // Governance: audit log, budgets and usage, approvals, watchers, notifications, webhooks.
    public static string WorkspaceAudit(string workspaceId) => $"finetune:workspace:{workspaceId}:audit";
    // The same entries again, those of one target, one actor, one action or one kind of action (field: target, actor, action).
    public static string WorkspaceAuditBy(string workspaceId, string field, string value) => $"finetune:workspace:{workspaceId}:audit:{field}:{value}";
    public static string WorkspaceAuditIndexed(string workspaceId) => $"finetune:workspace:{workspaceId}:audit:indexed";
    public static string WorkspaceBudget(string workspaceId) => $"finetune:workspace:{workspaceId}:budget";
    public static string WorkspaceUsage(string workspaceId, string month) => $"finetune:workspace:{workspaceId}:usage:{month}";
    public static string WorkspaceWebhook(string workspaceId) => $"finetune:workspace:{workspaceId}:webhook";
    public static string JobDecision(string jobId) => $"finetune:job:{jobId}:decision";
    public static string JobWatchers(string jobId) => $"finetune:job:{jobId}:watchers";
    public static string JobNotified(string jobId) => $"finetune:job:{jobId}:notified";
    public static string UserNotifications(string userId) => $"finetune:user:{userId}:notifications";
    public static string UserNotificationData(string userId) => $"finetune:user:{userId}:notifications:data";
    public static string UserUnreadNotifications(string userId) => $"finetune:user:{userId}:notifications:unread";
    public const string WebhookOutbox = "finetune:webhooks:outbox";
    public const string WebhookOutboxChannel = "finetune:webhooks:outbox-added";

    // Evaluations: evals, their runs, each run's graded items (a hash by line, so an item is stored once), the runs
    // the Worker has to run, and a run's lease and cancel request, as jobs have.
    public static string Eval(string evalId) => $"finetune:eval:{evalId}";
    public static string WorkspaceEvals(string workspaceId) => $"finetune:workspace:{workspaceId}:evals";
    public static string EvalRuns(string evalId) => $"finetune:eval:{evalId}:runs";
    public static string EvalRun(string runId) => $"finetune:eval-run:{runId}";
    public static string EvalRunItems(string runId) => $"finetune:eval-run:{runId}:items";
    public static string EvalRunLease(string runId) => $"finetune:eval-run:{runId}:lease";
    public static string EvalRunCancelRequested(string runId) => $"finetune:eval-run:{runId}:cancel-requested";
    public const string ActiveEvalRuns = "finetune:eval-runs:active";

    // The model inventory: when each model was last called in the workspace (model → time), and the countdown alerts
    // sent ("model|shutdown date|days" → time), each claimed with HSETNX so that one Worker sends it.
    public static string WorkspaceModelsLastUsed(string workspaceId) => $"finetune:workspace:{workspaceId}:models:last-used";
    public static string WorkspaceModelAlerts(string workspaceId) => $"finetune:workspace:{workspaceId}:models:alerts";
}
