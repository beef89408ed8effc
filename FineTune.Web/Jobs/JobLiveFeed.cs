using FineTune.Web.Api;

namespace FineTune.Web.Jobs;

// One job as the job page shows it: its snapshot, its event history and its loss curve, kept current (LiveFeed says
// how). Live updates skip events already held; every event carries its sequence and every update how far the history
// reached (JobHistory), so a lost update shows as a hole on the next one, and the events after the last one held are
// read from the Api. The hub's URL and the token source are given (not the page's NavigationManager), so the same feed
// also runs outside a page: the integration tests drive it against a real Web, Api and Worker.
public sealed class JobLiveFeed(
    FineTuneApiClient api,
    IApiTokenSource token,
    Uri hubUrl,
    ILogger<JobLiveFeed> logger) : LiveFeed<JobUpdate>(token, hubUrl, logger)
{
    private readonly JobHistory _history = new();
    private readonly LossCurve _loss = new();
    private string _jobId = "";

    public FineTuneJob? Job { get; private set; }

    public IReadOnlyList<JobEvent> Events
    {
        get { lock (Gate) { return _history.Events.ToArray(); } }
    }

    public IReadOnlyList<LossPoint> LossPoints
    {
        get { lock (Gate) { return _loss.Points.ToArray(); } }
    }

    public Task StartAsync(string id, CancellationToken cancellationToken)
    {
        _jobId = id;
        return StartAsync(id, JobsHubContract.JoinJob, [id], JobsHubContract.JobUpdated, cancellationToken);
    }

    public Task CancelAsync() => ActAsync(api.CancelJobAsync);

    public Task PauseAsync() => ActAsync(api.PauseJobAsync);

    public Task ResumeAsync() => ActAsync(api.ResumeJobAsync);

    private async Task ActAsync(Func<string, CancellationToken, Task<FineTuneJob>> action)
    {
        try
        {
            var job = await action(_jobId, CancellationToken.None);
            lock (Gate)
            {
                Job = job;
            }
            Error = null;
        }
        catch (FineTuneApiException ex)
        {
            Error = ex.UserMessage;
        }
        await NotifyAsync();
    }

    // The job and the events after the last one held.
    protected override async Task<Action?> ReadAsync(CancellationToken cancellationToken)
    {
        string? after;
        lock (Gate)
        {
            after = _history.LastEventId;
        }
        try
        {
            var job = await api.GetJobAsync(_jobId, cancellationToken);
            var newEvents = await api.GetAllJobEventsAsync(_jobId, after, cancellationToken);
            Error = null;
            return () =>
            {
                ApplyJob(job);
                Append(newEvents);
            };
        }
        catch (FineTuneApiException ex)
        {
            logger.LogWarning(ex, "Could not read job {JobId} from the Api", _jobId);
            Error = ex.UserMessage;
            return null;
        }
    }

    // Behind when the update shows events stored that are not held.
    protected override bool Apply(JobUpdate update)
    {
        if (update.Job.Id != _jobId)
        {
            return false;
        }
        ApplyJob(update.Job);
        Append(update.NewEvents);
        return _history.IsBehind(update.LastSequence);
    }

    // A held-back update can be older than the snapshot just read; never let it undo a finished job.
    private void ApplyJob(FineTuneJob job)
    {
        if (Job is not null && JobStatus.IsTerminal(Job.Status) && !JobStatus.IsTerminal(job.Status))
        {
            return;
        }
        Job = job;
    }

    private void Append(IEnumerable<JobEvent> candidates)
    {
        foreach (var jobEvent in _history.Continue(candidates))
        {
            _loss.Add(jobEvent);
        }
    }
}
