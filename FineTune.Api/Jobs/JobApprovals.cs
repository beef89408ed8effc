using System.Security.Claims;
using FineTune.Api.Accounts;
using FineTune.Api.Audit;
using FineTune.Api.Datasets;

namespace FineTune.Api.Jobs;

// The decisions on a job launched over its workspace's budget: an owner approves it (it is then launched
// as a create would) or denies it, or a member withdraws it by cancelling it first. Each decision is
// claimed in the job store before anything else happens, so a job gets exactly one, whoever acts first.
public sealed class JobApprovals(
    JobStore jobs,
    DatasetStore datasets,
    ProviderConnections connections,
    BudgetStore budgets,
    JobCreator creator,
    AuditLog audit,
    JobNotifications notifications,
    TimeProvider time)
{
    public async Task<JobOutcome> ApproveAsync(string jobId, ClaimsPrincipal owner)
    {
        if (await jobs.GetAsync(jobId) is not { } job) return new JobOutcome.NotFound();
        if (await ClaimDecisionAsync(job, JobApproval.Approved) is { } notPending) return notPending;

        var training = await datasets.GetInWorkspaceAsync(job.TrainingDatasetId, job.WorkspaceId);
        var validation = job.ValidationDatasetId is null ? null : await datasets.GetInWorkspaceAsync(job.ValidationDatasetId, job.WorkspaceId);
        var connection = await connections.FindAsync(job.ConnectionId, job.WorkspaceId);
        if (training is null || (job.ValidationDatasetId is not null && validation is null) || connection is null)
        {
            await jobs.ReleaseDecisionAsync(job.Id);
            return new JobOutcome.CannotStart();
        }

        // Approved means launched whatever the budget says: the owner saw the reason. It starts as a create does.
        var approval = job.Approval! with { Decision = JobApproval.Approved, DecidedBy = owner.UserId(), DecidedAt = time.GetUtcNow() };
        var charge = await budgets.ChargeAsync(job.WorkspaceId, approval.EstimatedTrainedTokens, approval.EstimatedCost);
        var uploading = await creator.StartUploadingAsync(job with { Approval = approval }, training, validation, charge);
        await audit.RecordAsync(job.WorkspaceId, owner, AuditAction.JobApproved, "job", job.Id, job.AuditName(), approval.Reason);
        await notifications.ApprovalDecidedAsync(uploading, owner.UserId(), owner.Identity?.Name ?? owner.UserId());
        return new JobOutcome.Succeeded(uploading);
    }

    public async Task<JobOutcome> DenyAsync(string jobId, string? reason, ClaimsPrincipal owner)
    {
        if (await jobs.GetAsync(jobId) is not { } job) return new JobOutcome.NotFound();
        if (await ClaimDecisionAsync(job, JobApproval.Denied) is { } notPending) return notPending;

        var now = time.GetUtcNow();
        var comment = string.IsNullOrWhiteSpace(reason) ? null : reason.Trim();
        var denied = job with
        {
            Status = JobStatus.Denied,
            FinishedAt = now,
            Approval = job.Approval! with { Decision = JobApproval.Denied, DecidedBy = owner.UserId(), DecidedAt = now, Comment = comment },
        };
        await jobs.SaveAndPublishAsync(denied);
        await audit.RecordAsync(job.WorkspaceId, owner, AuditAction.JobDenied, "job", job.Id, job.AuditName(), comment);
        await notifications.ApprovalDecidedAsync(denied, owner.UserId(), owner.Identity?.Name ?? owner.UserId());
        return new JobOutcome.Succeeded(denied);
    }

    // A job waiting for approval was never sent to the provider: cancelling it withdraws it here.
    public async Task<JobOutcome> WithdrawAsync(FineTuneJob job, ClaimsPrincipal member)
    {
        if (await ClaimDecisionAsync(job, JobApproval.Withdrawn) is { } notPending) return notPending;

        var now = time.GetUtcNow();
        var withdrawn = job with
        {
            Status = JobStatus.Cancelled,
            FinishedAt = now,
            Approval = job.Approval! with { Decision = JobApproval.Withdrawn, DecidedBy = member.UserId(), DecidedAt = now },
        };
        await jobs.SaveAndPublishAsync(withdrawn);
        await audit.RecordAsync(job.WorkspaceId, member, AuditAction.JobCancelled, "job", job.Id, job.AuditName(), "withdrawn before an owner decided");
        await notifications.JobFinishedAsync(withdrawn);
        return new JobOutcome.Succeeded(withdrawn);
    }

    // Null when this decision is now the job's; NotPending when the job waits for none, or was decided before.
    private async Task<JobOutcome.NotPending?> ClaimDecisionAsync(FineTuneJob job, string decision)
    {
        if (job is { Status: JobStatus.PendingApproval, Approval: not null } && await jobs.ClaimDecisionAsync(job.Id, decision)) return null;
        return new JobOutcome.NotPending(job, job.Approval?.Decision ?? await jobs.ClaimedDecisionAsync(job.Id));
    }
}
