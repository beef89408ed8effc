using StackExchange.Redis;

namespace FineTune.Data;

// Who hears about a job, and when. A finished job (succeeded, failed, cancelled) notifies its creator
// and its watchers; a job waiting for approval notifies the workspace's owners; an owner's decision
// notifies the creator and the watchers. Only people still in the workspace are told, and the person
// who caused a notification is not told about their own act. When the workspace has a webhook, the same
// news goes into the webhook outbox.
public sealed class JobNotifications(
    WorkspaceNews news,
    JobWatchers watchers,
    WorkspaceStore workspaces,
    IConnectionMultiplexer redis,
    TimeProvider time)
{
    // How long a job remembers that it was announced; far longer than any two workers could both see it finish.
    private static readonly TimeSpan NotifiedMemory = TimeSpan.FromDays(90);

    // Whoever sees the job finish first announces it (a worker's poll, or the Api after a cancel the
    // provider carried out at once); the "notified" key is claimed with SET NX, so it happens once.
    // False when the job is not finished or was announced already.
    public async Task<bool> JobFinishedAsync(FineTuneJob job)
    {
        if (job.Status is not (JobStatus.Succeeded or JobStatus.Failed or JobStatus.Cancelled)) return false;
        if (!await redis.GetDatabase().StringSetAsync(RedisKeys.JobNotified(job.Id), time.GetUtcNow().ToString("O"), NotifiedMemory, When.NotExists))
        {
            return false;
        }
        var (kind, message) = job.Status switch
        {
            JobStatus.Succeeded => (NotificationKind.JobSucceeded, $"The fine-tuned model is {job.FineTunedModel}."),
            JobStatus.Failed => (NotificationKind.JobFailed, job.Error?.Message ?? "The provider gave no reason."),
            _ => (NotificationKind.JobCancelled, "It stopped before it finished."),
        };
        await NotifyAsync(job, kind, $"Job {Describe(job)} {job.Status}", message, await InterestedAsync(job, except: null));
        return true;
    }

    public async Task ApprovalRequestedAsync(FineTuneJob job, string requesterId, string requesterName)
    {
        var owners = (await workspaces.MembersAsync(job.WorkspaceId))
            .Where(member => member.Value == WorkspaceRole.Owner && member.Key != requesterId)
            .Select(member => member.Key);
        await NotifyAsync(job, NotificationKind.JobPendingApproval, $"Job {Describe(job)} needs an owner's approval",
            $"{requesterName} launched it over the workspace's budget. {job.Approval?.Reason} Approve or deny it on the job's page.", owners);
    }

    public async Task ApprovalDecidedAsync(FineTuneJob job, string deciderId, string deciderName)
    {
        var approved = job.Approval?.Decision == JobApproval.Approved;
        var message = approved
            ? $"{deciderName} approved it; it was sent to the provider."
            : $"{deciderName} denied it{(job.Approval?.Comment is { Length: > 0 } comment ? $": {comment}" : ".")}";
        await NotifyAsync(job, approved ? NotificationKind.JobApproved : NotificationKind.JobDenied,
            $"Job {Describe(job)} {(approved ? "approved" : "denied")}", message, await InterestedAsync(job, except: deciderId));
    }

    // The creator and the watchers who still belong to the job's workspace.
    private async Task<IEnumerable<string>> InterestedAsync(FineTuneJob job, string? except)
    {
        var members = await workspaces.MembersAsync(job.WorkspaceId);
        return (await watchers.ListAsync(job.Id)).Prepend(job.CreatedBy)
            .Where(userId => members.ContainsKey(userId) && userId != except);
    }

    private Task NotifyAsync(FineTuneJob job, string kind, string title, string message, IEnumerable<string> userIds) =>
        news.TellAsync(job.WorkspaceId, job.Id, kind, title, message, userIds);

    // "job_… (suffix, base model)": what people recognise a job by.
    private static string Describe(FineTuneJob job) =>
        job.Suffix is { Length: > 0 } suffix ? $"{job.Id} ({suffix}, {job.Model})" : $"{job.Id} ({job.Model})";
}
