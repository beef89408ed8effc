using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace FineTune.Worker.Polling;

// Imports the provider's jobs that were created outside FineTune (in the provider's own console, by a
// script): every ImportInterval it reads the provider's job list, newest first, and stores each job
// FineTune does not know yet as a FineTuneJob marked "imported". Its id is derived from the provider job
// id and claimed in Redis (provider job id → job id, set only if absent), and the import runs under the
// job's lease, so two workers never import a job twice. An active imported job joins the active set and
// the JobPoller ingests its events like any other; a finished one gets its whole history here.
// Paging stops at the first page that holds only known jobs: everything older was seen before.
// It reads the server's own connection (FineTune:Provider, the FineTuningProvider singleton), and its
// imports belong to the default workspace; workspace connections are not imported from.
public sealed partial class JobImporter(
    JobStore jobs,
    JobLease lease,
    FineTuningProvider provider,
    IOptions<WorkerOptions> options,
    TimeProvider time,
    ILogger<JobImporter> logger) : BackgroundService
{
    public const string ImportedBy = "provider";

    private readonly string _owner = $"import:{Environment.MachineName}:{Environment.ProcessId}:{Guid.NewGuid():N}";
    private readonly WorkerOptions _options = options.Value;
    private bool _backfilled;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(_options.ImportInterval, time);
        try
        {
            do
            {
                try
                {
                    var imported = await ImportOnceAsync(stoppingToken);
                    if (imported > 0) LogImported(imported);
                }
                catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception e)
                {
                    // The provider or Redis may be away: the next interval tries again.
                    LogImportFailed(e.GetType().Name, e.Message);
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    // One pass over the provider's job list; returns how many jobs this worker imported.
    public async Task<int> ImportOnceAsync(CancellationToken cancellationToken)
    {
        if (!_backfilled)
        {
            // Jobs stored before the provider job index existed must be in it before any import, or they would
            // be imported again. The Api's StoreMigrations enters them too, but this Worker may start first.
            await jobs.BackfillProviderJobIndexAsync();
            _backfilled = true;
        }

        var now = time.GetUtcNow();
        var imported = 0;
        string? after = null;
        while (true)
        {
            var page = await provider.ListJobsAsync(after, _options.ImportPageSize, cancellationToken);
            var onlyKnown = true;
            foreach (var providerJob in page.Data)
            {
                if (await IsKnownAsync(providerJob.Id)) continue;
                onlyKnown = false;
                // Maybe FineTune's Api created it a moment ago and is about to store it: the next pass decides.
                if (providerJob.CreatedAt is { } createdAt && createdAt + _options.ImportGracePeriod > now) continue;
                if (await ImportAsync(providerJob, cancellationToken)) imported++;
            }
            if (onlyKnown || !page.HasMore || page.Data.Count == 0) return imported;
            after = page.Data[^1].Id;
        }
    }

    // The id an imported provider job gets: the same on every worker.
    public static string ImportedJobId(string providerJobId) =>
        "job_" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(providerJobId)))[..16];

    // FineTune's record of a job found on the provider: no datasets, the provider's file ids instead.
    public static FineTuneJob ToImportedJob(ProviderJob providerJob, DateTimeOffset now)
    {
        var job = new FineTuneJob
        {
            Id = ImportedJobId(providerJob.Id),
            Status = providerJob.Status,
            Model = providerJob.Model,
            FineTunedModel = providerJob.FineTunedModel,
            ProviderJobId = providerJob.Id,
            TrainingDatasetId = "",
            Method = new JobMethod(providerJob.MethodType ?? "supervised", null),
            Suffix = providerJob.Suffix,
            Seed = providerJob.Seed,
            CreatedBy = ImportedBy,
            CreatedAt = providerJob.CreatedAt ?? now,
            FinishedAt = providerJob.FinishedAt,
            TrainedTokens = providerJob.TrainedTokens,
            Error = providerJob.Error,
            Source = FineTuneJob.ImportedSource,
            TrainingFileId = providerJob.TrainingFileId,
            ValidationFileId = providerJob.ValidationFileId,
        };
        return job.WithProviderDetails(providerJob.Details);
    }

    private async Task<bool> IsKnownAsync(string providerJobId)
    {
        var jobId = await jobs.JobIdOfProviderJobAsync(providerJobId);
        if (jobId is null) return false;
        // A claim whose import did not finish (the worker died in between) is taken up again.
        return jobId != ImportedJobId(providerJobId) || await jobs.GetAsync(jobId) is not null;
    }

    private async Task<bool> ImportAsync(ProviderJob providerJob, CancellationToken cancellationToken)
    {
        var jobId = ImportedJobId(providerJob.Id);
        if (await jobs.ClaimProviderJobAsync(providerJob.Id, jobId) != jobId) return false;
        if (!await lease.TryAcquireAsync(jobId, _owner, _options.LeaseDuration)) return false;
        try
        {
            if (await jobs.GetAsync(jobId) is not null) return false;
            var job = ToImportedJob(providerJob, time.GetUtcNow());
            IReadOnlyList<JobEvent> added = [];
            if (JobStatus.IsTerminal(job.Status))
            {
                // No poller will look at a finished job: its whole history is stored now, before the job.
                var events = await provider.GetEventsSinceAsync(providerJob.Id, await jobs.LastEventIdAsync(jobId), cancellationToken);
                added = await jobs.AppendEventsAsync(jobId, events);
            }
            await jobs.SaveAndPublishAsync(job, added);
            LogJobImported(jobId, providerJob.Id, job.Status);
            return true;
        }
        finally
        {
            await lease.ReleaseAsync(jobId, _owner);
        }
    }

    [LoggerMessage(LogLevel.Information, "Imported job {JobId} (provider job {ProviderJobId}, {Status})")]
    private partial void LogJobImported(string jobId, string providerJobId, string status);

    [LoggerMessage(LogLevel.Information, "Imported {Count} jobs created on the provider outside FineTune")]
    private partial void LogImported(int count);

    [LoggerMessage(LogLevel.Warning, "Importing the provider's jobs failed ({Error}: {Message}); trying again next interval")]
    private partial void LogImportFailed(string error, string message);
}
