using FineTune.Core.Jobs;
using FineTune.Core.Providers;
using Microsoft.Extensions.Options;

namespace FineTune.Worker.Polling;

// Polls the provider for every active job this worker holds the lease on, stores what is new
// and publishes it. Terminal jobs leave the active set and are polled no more.
public sealed partial class JobPoller(
    JobStore jobs,
    JobLease lease,
    FineTuningProvider provider,
    IOptions<WorkerOptions> options,
    TimeProvider time,
    ILogger<JobPoller> logger) : BackgroundService
{
    private readonly string _owner = $"{Environment.MachineName}:{Environment.ProcessId}:{Guid.NewGuid():N}";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        LogStarted(_owner);
        using var timer = new PeriodicTimer(options.Value.PollInterval, time);
        do
        {
            try
            {
                foreach (var jobId in await jobs.ActiveJobIdsAsync())
                {
                    if (await lease.TryAcquireAsync(jobId, _owner, options.Value.LeaseDuration))
                        await PollJobAsync(jobId, stoppingToken);
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // Redis or the provider may be briefly away; the next tick tries again.
                LogPollFailed(e);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    public async Task PollJobAsync(string jobId, CancellationToken cancellationToken)
    {
        try
        {
            var job = await jobs.GetAsync(jobId);
            if (job?.ProviderJobId is null) return;

            // The job first, then its events: every event behind a status we store is then stored too.
            var providerJob = await provider.GetJobAsync(job.ProviderJobId, cancellationToken);
            var lastEventId = await jobs.LastEventIdAsync(jobId);
            var events = await provider.GetEventsSinceAsync(job.ProviderJobId, lastEventId, cancellationToken);
            var added = await jobs.AppendEventsAsync(jobId, events);

            var updated = job.WithProviderState(providerJob);
            if (added.Count == 0 && updated == job) return;

            await jobs.SaveAsync(updated);
            await jobs.PublishAsync(new JobUpdate(updated, added));
            if (updated.Status != job.Status) LogStatusChanged(jobId, updated.Status);
            if (JobStatus.IsTerminal(updated.Status)) await lease.ReleaseAsync(jobId, _owner);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogJobPollFailed(jobId, e);
        }
    }

    [LoggerMessage(LogLevel.Information, "Job poller {Owner} started")]
    private partial void LogStarted(string owner);

    [LoggerMessage(LogLevel.Information, "Job {JobId} is {Status}")]
    private partial void LogStatusChanged(string jobId, string status);

    [LoggerMessage(LogLevel.Warning, "Polling job {JobId} failed; it is tried again next time")]
    private partial void LogJobPollFailed(string jobId, Exception exception);

    [LoggerMessage(LogLevel.Warning, "Polling the active jobs failed; trying again next time")]
    private partial void LogPollFailed(Exception exception);
}
