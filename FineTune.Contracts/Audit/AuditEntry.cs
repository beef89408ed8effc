namespace FineTune.Contracts;

// Who did what to which thing in a workspace, and when. TargetName is what people call the thing
// (a dataset's file name, a member's name); Details says what changed, in words.
public sealed record AuditEntry(
    string Id,
    DateTimeOffset At,
    string WorkspaceId,
    string ActorId,
    string ActorName,
    string Action,
    string TargetType,
    string TargetId,
    string? TargetName,
    string? Details);

// GET /api/audit: newest first; NextBefore (when there are more) is the cursor for the next page.
public sealed record AuditPage(IReadOnlyList<AuditEntry> Entries, string? NextBefore);

// The actions recorded, "area.verb"; the audit route's action filter also takes a prefix ("job.").
public static class AuditAction
{
    public const string DatasetCreated = "dataset.created";
    public const string DatasetEdited = "dataset.edited";
    public const string DatasetSplit = "dataset.split";
    public const string DatasetDeleted = "dataset.deleted";
    public const string DatasetExported = "dataset.exported";
    public const string JobCreated = "job.created";
    public const string JobPendingApproval = "job.pending_approval";
    public const string JobApproved = "job.approved";
    public const string JobDenied = "job.denied";
    public const string JobCancelled = "job.cancelled";
    public const string JobPaused = "job.paused";
    public const string JobResumed = "job.resumed";
    public const string MemberJoined = "member.joined";
    public const string MemberRoleChanged = "member.role_changed";
    public const string MemberRemoved = "member.removed";
    public const string InvitationCreated = "invitation.created";
    public const string InvitationRevoked = "invitation.revoked";
    public const string WorkspaceCreated = "workspace.created";
    public const string WorkspaceSettingsChanged = "workspace.settings_changed";
    public const string ConnectionCreated = "connection.created";
    public const string ConnectionUpdated = "connection.updated";
    public const string ConnectionDeleted = "connection.deleted";
    public const string ConnectionTested = "connection.tested";
    public const string EvalCreated = "eval.created";
    public const string EvalDeleted = "eval.deleted";
    public const string EvalRunStarted = "eval.run_started";
    public const string EvalRunCancelled = "eval.run_cancelled";
    public const string EvalRunRecorded = "eval.run_recorded";
    public const string BundleExported = "bundle.exported";
    public const string BundleImported = "bundle.imported";
}
