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
    AuditLog audit,
    JobNotifications notifications)
{
    public async Task<JobOutcome> CancelAsync(string jobId, ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        if (await jobs.GetAsync(jobId) is { Status: JobStatus.PendingApproval } pending) return await approvals.WithdrawAsync(pending, user);
        return await ActAsync(jobId, user, AuditAction.JobCancelled, (provider, providerJobId, ct) => provider.CancelJobAsync(providerJobId, ct), cancellationToken);
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
