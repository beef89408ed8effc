using FineTune.Web.Api;
using FineTune.Web.Telemetry;
using FineTune.Web.Workspaces;

namespace FineTune.Web.Jobs;

// What a job's page shows and does: the live feed's job, events and loss curve, what is read beside them
// (checkpoints, results, whether the user watches the job) and the job's actions. The page creates one and
// gives it `render`, which runs a change on the page's renderer and renders after it: the feed's updates
// arrive on SignalR's threads, and through it they apply one at a time, between the page's own events.
public sealed class JobPageState(
    LiveFeeds feeds,
    FineTuneApiClient api,
    CurrentWorkspace workspace,
    Func<Func<Task>, Task> render) : IAsyncDisposable
{
    private JobLiveFeed? _feed;
    private string? _myId;
    private bool _loadingExtras;
    private string? _extrasLoadedFor;

    public string JobId { get; private set; } = "";

    public bool Started => _feed is not null;

    public FineTuneJob? Job { get; private set; }

    public IReadOnlyList<JobEvent> Events { get; private set; } = [];

    public IReadOnlyList<LossPoint> LossPoints { get; private set; } = [];

    public IReadOnlyList<JobCheckpoint> Checkpoints { get; private set; } = [];

    public JobResults? Results { get; private set; }

    // The results as a data: URL, for the download button.
    public string? ResultsCsvUrl { get; private set; }

    public int? TotalSteps { get; private set; }

    public DateTimeOffset? Eta { get; private set; }

    public LiveState LiveState => _feed?.State ?? LiveState.Connecting;

    // The job could not be read or changed; says what to do.
    public string? Error => _feed?.Error;

    // The page works but does not update live.
    public string? LiveWarning => _feed?.LiveWarning;

    // Checkpoints, results or watching could not be read or changed.
    public string? ExtrasError { get; private set; }

    public bool Busy { get; private set; }

    // The creator hears about the job anyway; anyone else may ask to.
    public bool CanWatch => Job is not null && _myId is not null && Job.CreatedBy != _myId;

    public bool Watching { get; private set; }

    public bool WatchBusy { get; private set; }

    public string? DenyReason { get; set; }

    public string? DecisionError { get; private set; }

    // Also when the page moves from one job to another: the page instance is reused, the feed is not.
    public async Task StartAsync(string jobId)
    {
        if (_feed is not null)
        {
            await _feed.DisposeAsync();
        }
        else
        {
            WebTelemetry.OpenJobPages.Add(1);
        }
        Job = null;
        Events = [];
        LossPoints = [];
        Checkpoints = [];
        Results = null;
        ResultsCsvUrl = null;
        _extrasLoadedFor = null;
        JobId = jobId;
        _feed = feeds.Job();
        _feed.Changed += () => render(() =>
        {
            Refresh();
            return Task.CompletedTask;
        });
        await _feed.StartAsync(jobId, CancellationToken.None);
        await render(() =>
        {
            Refresh();
            return Task.CompletedTask;
        });
        DenyReason = null;
        DecisionError = null;
        await render(LoadWatchingAsync);
    }

    public Task CancelAsync() => ActAsync(_feed => _feed.CancelAsync());

    public Task PauseAsync() => ActAsync(_feed => _feed.PauseAsync());

    public Task ResumeAsync() => ActAsync(_feed => _feed.ResumeAsync());

    public Task ApproveAsync() => DecideAsync(() => api.ApproveJobAsync(JobId));

    public Task DenyAsync() => DecideAsync(() => api.DenyJobAsync(JobId, DenyReason));

    public async Task ToggleWatchAsync()
    {
        WatchBusy = true;
        try
        {
            if (Watching) await api.UnwatchJobAsync(JobId);
            else await api.WatchJobAsync(JobId);
            Watching = !Watching;
        }
        catch (FineTuneApiException ex)
        {
            ExtrasError = $"Watching could not be changed: {ex.UserMessage}";
        }
        finally
        {
            WatchBusy = false;
        }
    }

    private void Refresh()
    {
        if (_feed is null)
        {
            return;
        }
        Job = _feed.Job;
        Events = _feed.Events;
        LossPoints = _feed.LossPoints;
        TotalSteps = TotalStepsOf(Events);
        Eta = EstimateFinish();
        _ = render(LoadExtrasIfStaleAsync);
    }

    private static int? TotalStepsOf(IReadOnlyList<JobEvent> all)
    {
        for (var i = all.Count - 1; i >= 0; i--)
        {
            if (LossCurve.TryRead(all[i], out _, out var total) && total is not null)
            {
                return total;
            }
        }
        return null;
    }

    // The provider's estimate when it gives one; otherwise the pace of the steps so far.
    private DateTimeOffset? EstimateFinish()
    {
        if (Job is not { Status: JobStatus.Running } || TotalSteps is not { } total)
        {
            return null;
        }
        if (Job.EstimatedFinish is { } estimated)
        {
            return estimated;
        }
        var metrics = Events.Where(e => e.Type == "metrics").ToList();
        if (metrics.Count < 2 || LossPoints.Count < 2)
        {
            return null;
        }
        var seconds = (metrics[^1].CreatedAt - metrics[0].CreatedAt).TotalSeconds;
        var steps = LossPoints[^1].Step - LossPoints[0].Step;
        return seconds <= 0 || steps <= 0 ? null : metrics[^1].CreatedAt.AddSeconds(seconds / steps * (total - LossPoints[^1].Step));
    }

    // Checkpoints change when an event says one was made; results appear when the job finished.
    private async Task LoadExtrasIfStaleAsync()
    {
        // A job waiting for approval, or denied, is not on the provider: it has no checkpoints or results.
        if (Job is null || _loadingExtras || Job.ProviderJobId is null)
        {
            return;
        }
        var checkpointEvents = Events.Count(e => e.Message.StartsWith("Checkpoint", StringComparison.OrdinalIgnoreCase));
        var version = $"{Job.Id}:{Job.Status}:{checkpointEvents}";
        if (version == _extrasLoadedFor)
        {
            return;
        }
        _loadingExtras = true;
        try
        {
            Checkpoints = (await api.GetJobCheckpointsAsync(Job.Id)).Data;
            if (Job.Status == JobStatus.Succeeded && Results is null)
            {
                Results = await api.GetJobResultsAsync(Job.Id);
                if (Results is not null)
                {
                    var csv = await api.GetJobResultsCsvAsync(Job.Id);
                    ResultsCsvUrl = "data:text/csv;base64," + Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(csv));
                }
            }
            // The Api records what "auto" became while reading checkpoints; show it.
            var latest = await api.GetJobAsync(Job.Id);
            if (Job is not null && latest.Status == Job.Status)
            {
                Job = Job with { ResolvedHyperparameters = latest.ResolvedHyperparameters, EstimatedFinish = latest.EstimatedFinish };
            }
            _extrasLoadedFor = version;
            ExtrasError = null;
        }
        catch (FineTuneApiException ex)
        {
            ExtrasError = $"Checkpoints or results could not be read: {ex.UserMessage}";
        }
        finally
        {
            _loadingExtras = false;
        }
    }

    private async Task LoadWatchingAsync()
    {
        try
        {
            _myId = (await workspace.GetMeAsync()).Id;
            Watching = (await api.GetJobWatchersAsync(JobId)).Any(w => w.UserId == _myId);
        }
        catch (FineTuneApiException)
        {
            // The job itself failed to load too, and the page says why; without it there is nothing to watch.
            _myId = null;
        }
    }

    private async Task ActAsync(Func<JobLiveFeed, Task> action)
    {
        if (_feed is null)
        {
            return;
        }
        Busy = true;
        try
        {
            await action(_feed);
        }
        finally
        {
            Busy = false;
        }
    }

    // The Api publishes the decided job, so the feed shows it too; it is shown at once from the answer.
    private async Task DecideAsync(Func<Task<FineTuneJob>> decide)
    {
        Busy = true;
        try
        {
            Job = await decide();
            DecisionError = null;
        }
        catch (FineTuneApiException ex)
        {
            DecisionError = ex.UserMessage;
        }
        finally
        {
            Busy = false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_feed is not null)
        {
            await _feed.DisposeAsync();
            _feed = null;
            WebTelemetry.OpenJobPages.Add(-1);
        }
    }
}
