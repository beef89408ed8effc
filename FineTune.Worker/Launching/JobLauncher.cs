using System.ClientModel;
using FineTune.Worker.Polling;
using FineTune.Worker.Telemetry;
using Microsoft.Extensions.Options;

namespace FineTune.Worker.Launching;

// Takes a job from uploading to running on its provider: sends its datasets, then creates the job there. A dataset
// version the connection already has (ProviderFileStore, checked with the provider) is not sent again; one bigger than
// a part goes up in parts through the Uploads API, when the provider has it, and the job is saved after every part,
// so its page shows progress and a Worker that takes over from one that died goes on from the last part saved. The
// provider job is created with FineTune's job id as its Idempotency-Key, so a job started twice starts once.
// What the provider refuses fails the job and gives its budget charge back; anything else (a timeout, a 5xx, Redis
// away) is thrown for the poller to try again later. A cancel asked for meanwhile (JobStore.RequestCancelAsync) wins.
public sealed partial class JobLauncher(
    JobStore jobs,
    BlobStore blobs,
    ProviderFileStore providerFiles,
    BudgetStore budgets,
    IOptions<WorkerOptions> options,
    TimeProvider time,
    ILogger<JobLauncher> logger)
{
    private readonly long _partBytes = options.Value.UploadPartBytes;

    // keepLease renews this Worker's lease on the job; false when another Worker holds it now. Returns the job as it
    // stands when this Worker lets go of it (launched, failed or cancelled), or null when the lease went elsewhere.
    public async Task<FineTuneJob?> LaunchAsync(FineTuneJob job, FineTuningProvider provider, Func<Task<bool>> keepLease, CancellationToken cancellationToken)
    {
        using var activity = WorkerTelemetry.Source.StartActivity("job.launch")?.SetTag(WorkerTelemetry.JobIdTag, job.Id);
        try
        {
            for (var index = 0; index < job.Upload!.Datasets.Count; index++)
            {
                if (job.Upload.Datasets[index].FileId is not null) continue;
                if (await UploadAsync(job, index, provider, keepLease, cancellationToken) is not { } uploaded) return await StoppedAsync(job.Id, keepLease);
                job = uploaded;
            }
            return await CreateOnProviderAsync(job, provider, cancellationToken);
        }
        catch (ClientResultException refused) when (ProviderFault.IsRefusal(refused))
        {
            return await FailAsync(job, ProviderFault.Error(refused));
        }
    }

    // The job with the dataset's file id, or null when the job was cancelled or the lease lost on the way.
    private async Task<FineTuneJob?> UploadAsync(
        FineTuneJob job, int index, FineTuningProvider provider, Func<Task<bool>> keepLease, CancellationToken cancellationToken)
    {
        var dataset = job.Upload!.Datasets[index];
        using var activity = WorkerTelemetry.Source.StartActivity("job.upload")?.SetTag("finetune.dataset.id", dataset.DatasetId).SetTag("finetune.dataset.bytes", dataset.Bytes);
        if (await providerFiles.FindAsync(job.ConnectionId, dataset.Sha256) is { } known && await provider.HasFileAsync(known, cancellationToken))
        {
            LogReused(job.Id, dataset.Name, known);
            return await SaveAsync(job, index, dataset with { FileId = known, Reused = true });
        }

        var uploadId = dataset.UploadId;
        if (uploadId is null && dataset.Bytes > _partBytes)
        {
            uploadId = await provider.CreateUploadAsync(dataset.Name, dataset.Bytes, cancellationToken);
            if (uploadId is null) LogNoUploadsApi(job.Id, dataset.Name);
            else
            {
                dataset = dataset with { UploadId = uploadId, PartBytes = _partBytes };
                if (await SaveAsync(job, index, dataset) is not { } started) return null;
                job = started;
            }
        }

        await using var file = blobs.OpenRead(dataset.Sha256);
        string fileId;
        if (uploadId is null)
        {
            fileId = await provider.UploadTrainingFileAsync(file, dataset.Name, cancellationToken);
        }
        else
        {
            // In the part size the upload began with, whatever this Worker's setting says.
            for (var offset = dataset.PartIds.Count * dataset.PartBytes; offset < dataset.Bytes; offset += dataset.PartBytes)
            {
                if (!await keepLease()) return null;
                var partId = await provider.AddUploadPartAsync(uploadId, file, offset, Math.Min(dataset.PartBytes, dataset.Bytes - offset), cancellationToken);
                dataset = dataset with { PartIds = [.. dataset.PartIds, partId], BytesSent = Math.Min(offset + dataset.PartBytes, dataset.Bytes) };
                if (await SaveAsync(job, index, dataset) is not { } progressed) return null;
                job = progressed;
            }
            fileId = await provider.CompleteUploadAsync(uploadId, dataset.PartIds, cancellationToken);
        }
        await providerFiles.RememberAsync(job.ConnectionId, dataset.Sha256, fileId);
        LogUploaded(job.Id, dataset.Name, dataset.Bytes, fileId);
        return await SaveAsync(job, index, dataset with { FileId = fileId, BytesSent = dataset.Bytes });
    }

    private async Task<FineTuneJob> CreateOnProviderAsync(FineTuneJob job, FineTuningProvider provider, CancellationToken cancellationToken)
    {
        using var activity = WorkerTelemetry.Source.StartActivity("job.provider_create");
        var files = job.Upload!.Datasets;
        var trainingFileId = files[0].FileId!;
        var validationFileId = files.Count > 1 ? files[1].FileId : null;
        var providerJob = await provider.CreateJobAsync(
            new ProviderJobRequest(job.Model, trainingFileId, validationFileId, job.Method, job.Suffix, job.Seed, job.TrainingType), job.Metadata,
            idempotencyKey: job.Id, cancellationToken);
        activity?.SetTag(WorkerTelemetry.ProviderJobIdTag, providerJob.Id);
        var launched = job with
        {
            Status = providerJob.Status,
            ProviderJobId = providerJob.Id,
            TrainingFileId = trainingFileId,
            ValidationFileId = validationFileId,
        };
        if (await jobs.SaveAndPublishUnlessCancelledAsync(launched))
        {
            LogLaunched(job.Id, providerJob.Id);
            return launched;
        }

        // Cancelled while the provider was creating it: the Api could not reach it there, so the cancel is passed on
        // from here. The Api gave the budget charge back when it took the cancel.
        var cancelledThere = await provider.CancelJobAsync(providerJob.Id, cancellationToken);
        var cancelled = (await jobs.GetAsync(job.Id) ?? launched).WithProviderState(cancelledThere) with { ProviderJobId = providerJob.Id };
        await jobs.SaveAndPublishAsync(cancelled);
        return cancelled;
    }

    private async Task<FineTuneJob> FailAsync(FineTuneJob job, JobError error)
    {
        var failed = job with { Status = JobStatus.Failed, FinishedAt = time.GetUtcNow(), Error = error };
        if (!await jobs.SaveAndPublishUnlessCancelledAsync(failed)) return await jobs.GetAsync(job.Id) ?? failed;
        if (job.Upload?.Charge is { } charge) await budgets.RefundAsync(charge);
        LogRefused(job.Id, error.Message);
        return failed;
    }

    // Saves the dataset's progress; null when a cancel came first.
    private async Task<FineTuneJob?> SaveAsync(FineTuneJob job, int index, DatasetTransfer dataset)
    {
        var progressed = job with { Upload = job.Upload!.With(index, dataset) };
        return await jobs.SaveAndPublishUnlessCancelledAsync(progressed) ? progressed : null;
    }

    // Why an upload stopped part-way: the job as stored when it was cancelled, null when the lease went elsewhere.
    private async Task<FineTuneJob?> StoppedAsync(string jobId, Func<Task<bool>> keepLease)
    {
        if (!await keepLease()) return null;
        var stored = await jobs.GetAsync(jobId);
        LogStopped(jobId, stored?.Status ?? "deleted");
        return stored;
    }

    [LoggerMessage(LogLevel.Information, "Job {JobId}: the provider already has {Dataset} as {FileId}; not sending it again")]
    private partial void LogReused(string jobId, string dataset, string fileId);

    [LoggerMessage(LogLevel.Information, "Job {JobId}: the provider has no Uploads API; sending {Dataset} in one request")]
    private partial void LogNoUploadsApi(string jobId, string dataset);

    [LoggerMessage(LogLevel.Information, "Job {JobId}: sent {Dataset} ({Bytes} bytes) as {FileId}")]
    private partial void LogUploaded(string jobId, string dataset, long bytes, string fileId);

    [LoggerMessage(LogLevel.Information, "Job {JobId} created on the provider as {ProviderJobId}")]
    private partial void LogLaunched(string jobId, string providerJobId);

    [LoggerMessage(LogLevel.Information, "Job {JobId}: stopped uploading, as it is {Status} now")]
    private partial void LogStopped(string jobId, string status);

    [LoggerMessage(LogLevel.Warning, "Job {JobId} failed to launch: the provider refused it ({Message})")]
    private partial void LogRefused(string jobId, string message);
}
