using System.Collections.Concurrent;
using System.Diagnostics;
using FineTune.Worker.Launching;
using FineTune.Worker.Telemetry;
using Microsoft.Extensions.Options;

namespace FineTune.Worker.Polling;

// Polls the provider for every active job this worker holds the lease on, stores what is new and
// publishes it; a job still uploading is launched first (JobLauncher). Jobs are polled concurrently (at most MaxConcurrentPolls at once), each on its own
// schedule (PollSchedule), and every provider call waits for the connection's request budget (the
// RequestBudgetPolicy in the provider's pipeline). A failing job backs off alone; nothing a provider
// or Redis does stops the loop. Terminal jobs leave the active set and are polled no more.
public sealed partial class JobPoller(
    JobStore jobs,
    JobLease lease,
    JobLauncher launcher,
    ProviderConnections connections,
    JobNotifications notifications,
    IOptions<WorkerOptions> options,
    TimeProvider time,
    ILogger<JobPoller> logger) : BackgroundService
{
    private readonly string _owner = $"{Environment.MachineName}:{Environment.ProcessId}:{Guid.NewGuid():N}";
    private readonly WorkerOptions _options = options.Value;
    private readonly PollSchedule _schedule = Observed(new PollSchedule(options.Value, Random.Shared.NextDouble));

    // Jobs whose save or update this poller could not finish (Redis refused or dropped it): the next poll
    // saves and publishes them again even with nothing new, so no page waits for an update that never came.
    private readonly ConcurrentDictionary<string, bool> _unpublished = new();
    private TaskCompletionSource _wake = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private enum Outcome { Polled, Finished, HeldElsewhere }

    private static PollSchedule Observed(PollSchedule schedule)
    {
        WorkerTelemetry.ObserveActiveJobs(() => schedule.Count);
        return schedule;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        LogStarted(_owner);
        using var slots = new SemaphoreSlim(_options.MaxConcurrentPolls);
        var polls = new HashSet<Task>();
        var nextRefresh = time.GetUtcNow();
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                // Replaced before looking at the schedule, so a poll that ends from here on wakes the wait below.
                var wake = _wake = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

                var now = time.GetUtcNow();
                if (now >= nextRefresh)
                {
                    await RefreshActiveJobsAsync(now);
                    nextRefresh = now + _options.PollInterval;
                }

                foreach (var jobId in _schedule.TakeDue(time.GetUtcNow()))
                {
                    await slots.WaitAsync(stoppingToken);
                    var poll = PollInSlotAsync(jobId, slots, stoppingToken);
                    lock (polls) polls.Add(poll);
                    _ = poll.ContinueWith(done => { lock (polls) polls.Remove(done); }, TaskScheduler.Default);
                }

                now = time.GetUtcNow();
                var until = _schedule.NextDue is { } due && due < nextRefresh ? due : nextRefresh;
                if (until > now)
                {
                    using var stopWaiting = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
                    await Task.WhenAny(wake.Task, Task.Delay(until - now, time, stopWaiting.Token));
                    stopWaiting.Cancel();
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        Task[] running;
        lock (polls) running = [.. polls];
        await Task.WhenAll(running);
    }

    private async Task RefreshActiveJobsAsync(DateTimeOffset now)
    {
        try
        {
            // A job whose last save left the active set but whose update was not published stays scheduled.
            _schedule.Sync((await jobs.ActiveJobIdsAsync()).Concat(_unpublished.Keys), now);
        }
        catch (Exception e)
        {
            // Redis may be briefly away; the jobs already scheduled carry on, and the next refresh tries again.
            LogRefreshFailed(e.Message);
        }
    }

    private async Task PollInSlotAsync(string jobId, SemaphoreSlim slots, CancellationToken stoppingToken)
    {
        var startedAt = time.GetUtcNow();
        using var activity = WorkerTelemetry.Source.StartActivity("job.poll")?.SetTag(WorkerTelemetry.JobIdTag, jobId);
        using var scope = logger.BeginScope(new Dictionary<string, object> { ["JobId"] = jobId });
        WorkerTelemetry.Polls.Add(1);
        try
        {
            var outcome = await PollJobAsync(jobId, stoppingToken);
            var now = time.GetUtcNow();
            switch (outcome.Outcome)
            {
                case Outcome.Polled: _schedule.Polled(jobId, outcome.Status!, startedAt, now); break;
                case Outcome.HeldElsewhere: _schedule.HeldElsewhere(jobId, now); break;
                default: _schedule.Forget(jobId); break;
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            activity?.SetStatus(ActivityStatusCode.Error, e.Message);
            var now = time.GetUtcNow();
            if (ProviderFault.RetryAfter(e, now) is { } retryAfter)
            {
                _schedule.RateLimited(jobId, retryAfter, now);
                LogRateLimited(jobId, retryAfter);
            }
            else
            {
                var delay = _schedule.Failed(jobId, now);
                LogJobPollFailed(jobId, _schedule.FailuresOf(jobId), delay, e.GetType().Name, e.Message);
            }
        }
        finally
        {
            slots.Release();
            _wake.TrySetResult();
        }
    }

    private async Task<(Outcome Outcome, string? Status)> PollJobAsync(string jobId, CancellationToken cancellationToken)
    {
        if (!await lease.TryAcquireAsync(jobId, _owner, _options.LeaseDuration)) return (Outcome.HeldElsewhere, null);
        if (_schedule.TookOver(jobId)) WorkerTelemetry.LeaseTakeovers.Add(1);

        var job = await jobs.GetAsync(jobId);
        if (job is null)
        {
            _unpublished.TryRemove(jobId, out _);
            return (Outcome.Finished, null);
        }
        using var scope = logger.BeginScope(new Dictionary<string, object> { ["WorkspaceId"] = job.WorkspaceId });
        // The job's own connection, which cannot be deleted while the job is active.
        var provider = await connections.ClientForJobAsync(job)
            ?? throw new InvalidOperationException($"Job {jobId} runs on connection {job.ConnectionId}, which no longer exists.");
        if (job.Status == JobStatus.Uploading)
        {
            if (await launcher.LaunchAsync(job, provider, () => lease.TryAcquireAsync(jobId, _owner, _options.LeaseDuration), cancellationToken) is not { } launched)
                return (Outcome.HeldElsewhere, null);
            return await PolledOrFinishedAsync(launched);
        }
        // Saved by an older version while its Api created it on the provider: look again soon.
        if (job.ProviderJobId is null) return (Outcome.Polled, JobStatus.Running);

        // The job first, then its events: every event behind a status we store is then stored too.
        var lastEventId = await jobs.LastEventIdAsync(jobId);
        var (providerJob, events) = await provider.GetJobAndEventsSinceAsync(job.ProviderJobId, lastEventId, cancellationToken);
        // Idempotent by provider event id: whatever another worker (or this one, before a crash) stored is skipped.
        var added = await jobs.AppendEventsAsync(jobId, events);
        WorkerTelemetry.EventsIngested.Add(added.Count);
        Activity.Current?.SetTag(WorkerTelemetry.ProviderJobIdTag, job.ProviderJobId).SetTag(WorkerTelemetry.NewEventsTag, added.Count);

        // One response carries the state and the details (resolved hyperparameters, estimated finish, result files).
        var updated = job.WithProviderStateAndDetails(providerJob);
        if (added.Count > 0 || updated != job || _unpublished.ContainsKey(jobId))
        {
            _unpublished[jobId] = true;
            using (WorkerTelemetry.Source.StartActivity("job.publish", ActivityKind.Producer)?.SetTag(WorkerTelemetry.JobIdTag, jobId))
            {
                // The update carries this span's traceparent, so the Web's relay continues this trace.
                await jobs.SaveAndPublishAsync(updated, added);
            }
            _unpublished.TryRemove(jobId, out _);
            if (updated.Status != job.Status) LogStatusChanged(jobId, updated.Status);
        }
        return await PolledOrFinishedAsync(updated);
    }

    private async Task<(Outcome Outcome, string? Status)> PolledOrFinishedAsync(FineTuneJob job)
    {
        if (!JobStatus.IsTerminal(job.Status)) return (Outcome.Polled, job.Status);

        await AnnounceFinishedAsync(job);
        await lease.ReleaseAsync(job.Id, _owner);
        return (Outcome.Finished, job.Status);
    }

    // The creator and watchers are told once (JobNotifications claims the job first). Telling them never
    // holds up or breaks polling: a failure is logged and the job finishes all the same.
    private async Task AnnounceFinishedAsync(FineTuneJob job)
    {
        try
        {
            await notifications.JobFinishedAsync(job);
        }
        catch (Exception e)
        {
            LogAnnounceFailed(job.Id, e.GetType().Name, e.Message);
        }
    }

    [LoggerMessage(LogLevel.Warning, "Notifying about finished job {JobId} failed ({Error}: {Message})")]
    private partial void LogAnnounceFailed(string jobId, string error, string message);

    [LoggerMessage(LogLevel.Information, "Job poller {Owner} started")]
    private partial void LogStarted(string owner);

    [LoggerMessage(LogLevel.Information, "Job {JobId} is {Status}")]
    private partial void LogStatusChanged(string jobId, string status);

    [LoggerMessage(LogLevel.Information, "The provider rate-limited job {JobId}; polling it again in {RetryAfter}")]
    private partial void LogRateLimited(string jobId, TimeSpan retryAfter);

    [LoggerMessage(LogLevel.Warning, "Polling job {JobId} failed ({Failures} in a row, {Error}: {Message}); next try in {Delay}")]
    private partial void LogJobPollFailed(string jobId, int failures, TimeSpan delay, string error, string message);

    [LoggerMessage(LogLevel.Warning, "Reading the active jobs failed ({Message}); trying again next interval")]
    private partial void LogRefreshFailed(string message);
}
