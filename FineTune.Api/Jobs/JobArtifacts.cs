using System.ClientModel;

namespace FineTune.Api.Jobs;

// What a job leaves on its provider, read through the job's connection: its checkpoints and its results
// file. Each read also records what the provider now says about the job's details. A job imported from a bundle
// has the copies the bundle brought instead.
public sealed class JobArtifacts(JobStore jobs, ProviderConnections connections, BlobStore blobs)
{
    // Checkpoints, newest first as providers list them.
    public Task<JobOutcome> GetCheckpointsAsync(string jobId, CancellationToken cancellationToken) =>
        OnProviderAsync(jobId, kept => new JobOutcome.Checkpoints(kept.Checkpoints), async (job, provider) =>
        {
            var (providerJob, checkpoints) = await provider.GetJobAndCheckpointsAsync(job.ProviderJobId!, cancellationToken);
            await RecordDetailsAsync(job, providerJob.Details);
            return new JobOutcome.Checkpoints(checkpoints);
        });

    // The first results file of the job, or NotFound while it has none (providers write it at the end).
    public Task<JobOutcome> ReadResultsFileAsync(string jobId, CancellationToken cancellationToken) =>
        OnProviderAsync(jobId, KeptResultsFile, async (job, provider) =>
        {
            var refreshed = await RecordDetailsAsync(job, (await provider.GetJobAsync(job.ProviderJobId!, cancellationToken)).Details);
            if (refreshed.ResultFiles is not [var fileId, ..]) return new JobOutcome.NotFound();
            return new JobOutcome.ResultsFile(fileId, await provider.DownloadFileAsync(fileId, cancellationToken));
        });

    private JobOutcome KeptResultsFile(JobBundleOrigin kept)
    {
        if (kept.ResultsSha256 is not { } sha256) return new JobOutcome.NotFound();
        using var content = blobs.OpenRead(sha256);
        return new JobOutcome.ResultsFile(sha256, BinaryData.FromStream(content));
    }

    private async Task<JobOutcome> OnProviderAsync(
        string jobId, Func<JobBundleOrigin, JobOutcome> fromBundle, Func<FineTuneJob, FineTuningProvider, Task<JobOutcome>> read)
    {
        var job = await jobs.GetAsync(jobId);
        if (job is { Bundle: { } kept }) return fromBundle(kept);
        if (job is not { ProviderJobId: not null }) return new JobOutcome.NotFound();
        if (await connections.ClientForJobAsync(job) is not { } provider) return new JobOutcome.ConnectionGone(job);
        try
        {
            return await read(job, provider);
        }
        catch (ClientResultException e)
        {
            return new JobOutcome.ProviderRefused(e);
        }
    }

    // Records what "auto" became, the estimated finish and the result files. The Worker keeps the
    // status; the latest record is read just before saving so this never sets an older status.
    private async Task<FineTuneJob> RecordDetailsAsync(FineTuneJob job, ProviderJobDetails details)
    {
        var latest = await jobs.GetAsync(job.Id) ?? job;
        var updated = latest.WithProviderDetails(details);
        var changed = updated.ResolvedHyperparameters != latest.ResolvedHyperparameters
            || updated.EstimatedFinish != latest.EstimatedFinish
            || !(updated.ResultFiles ?? []).SequenceEqual(latest.ResultFiles ?? []);
        if (changed) await jobs.SaveAsync(updated);
        return updated;
    }
}
