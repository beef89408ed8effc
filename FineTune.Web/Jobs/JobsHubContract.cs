namespace FineTune.Web.Jobs;

// What a client of /hubs/jobs needs to know: call JoinJob(jobId), then receive "jobUpdated" (a JobUpdate).
public static class JobsHubContract
{
    public const string Path = "/hubs/jobs";

    // Client → server.
    public const string JoinJob = nameof(JobsHub.JoinJob);
    public const string LeaveJob = nameof(JobsHub.LeaveJob);

    // Server → client, with a FineTune.Contracts.JobUpdate as payload.
    public const string JobUpdated = "jobUpdated";

    public static string JobGroup(string jobId) => $"job:{jobId}";
}
