using System.ClientModel;
using System.Security.Claims;
using FineTune.Api.Audit;

namespace FineTune.Api.Jobs;

// Cancels, pauses and resumes jobs on their provider. The Worker records the events that follow; the
// new status is saved and shown at once.
public sealed class JobControl(
    JobStore jobs,
    ProviderConnections connections,
    JobApprovals approvals,
    BudgetStore budgets,
    AuditLog audit,
    JobNotifications notifications,
    TimeProvider time)
{
    public async Task<JobOutcome> CancelAsync(string jobId, ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        var job = await jobs.GetAsync(jobId);
        if (job is { IsFromBundle: true }) return new JobOutcome.ReadOnly(job);
        if (job is { Status: JobStatus.PendingApproval }) return await approvals.WithdrawAsync(job, user);
        if (job is { Status: JobStatus.Uploading } && await CancelUploadAsync(job, user) is { } cancelled) return cancelled;
        return await ActAsync(jobId, user, AuditAction.JobCancelled, (provider, providerJobId, ct) => provider.CancelJobAsync(providerJobId, ct), cancellationToken);
    }

    // A job still uploading is not on the provider yet: the cancel is asked for first, so the Worker saves nothing
    // over it (JobStore.RequestCancelAsync), and the month's charge is given back. Null when the Worker created it on
    // the provider just before: it is cancelled there like any other.
    private async Task<JobOutcome?> CancelUploadAsync(FineTuneJob job, ClaimsPrincipal user)
    {
        await jobs.RequestCancelAsync(job.Id);
        if (await jobs.GetAsync(job.Id) is not { Status: JobStatus.Uploading } current) return null;

        var cancelled = current with { Status = JobStatus.Cancelled, FinishedAt = time.GetUtcNow() };
        await jobs.SaveAndPublishAsync(cancelled);
        if (current.Upload?.Charge is { } charge) await budgets.RefundAsync(charge);
        await audit.RecordAsync(cancelled.WorkspaceId, user, AuditAction.JobCancelled, "job", cancelled.Id, cancelled.AuditName(), "while uploading");
        await notifications.JobFinishedAsync(cancelled);
        return new JobOutcome.Succeeded(cancelled);
    }

    public Task<JobOutcome> PauseAsync(string jobId, ClaimsPrincipal user, CancellationToken cancellationToken) =>
        ActAsync(jobId, user, AuditAction.JobPaused, (provider, providerJobId, ct) => provider.PauseJobAsync(providerJobId, ct), cancellationToken);

    public Task<JobOutcome> ResumeAsync(string jobId, ClaimsPrincipal user, CancellationToken cancellationToken) =>
        ActAsync(jobId, user, AuditAction.JobResumed, (provider, providerJobId, ct) => provider.ResumeJobAsync(providerJobId, ct), cancellationToken);

    private async Task<JobOutcome> ActAsync(
        string jobId, ClaimsPrincipal user, string auditAction,
        Func<FineTuningProvider, string, CancellationToken, Task<ProviderJob>> action, CancellationToken cancellationToken)
    {
        if (await jobs.GetAsync(jobId) is not { ProviderJobId: { } providerJobId } job) return new JobOutcome.NotFound();
        if (job.IsFromBundle) return new JobOutcome.ReadOnly(job);
        if (await connections.ClientForJobAsync(job) is not { } provider) return new JobOutcome.ConnectionGone(job);
        ProviderJob providerJob;
        try
        {
            providerJob = await action(provider, providerJobId, cancellationToken);
        }
        catch (ClientResultException e)
        {
            return new JobOutcome.ProviderRefused(e);
        }

        var updated = job.WithProviderState(providerJob);
        await jobs.SaveAndPublishAsync(updated);
        await audit.RecordAsync(updated.WorkspaceId, user, auditAction, "job", updated.Id, updated.AuditName());
        // A cancel the provider carried out at once takes the job out of the active set here, so no
        // Worker sees it finish: it is announced from here (once, whoever is first).
        await notifications.JobFinishedAsync(updated);
        return new JobOutcome.Succeeded(updated);
    }
}
