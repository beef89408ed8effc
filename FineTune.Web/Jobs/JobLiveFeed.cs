using FineTune.Web.Account;
using FineTune.Web.Api;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;

namespace FineTune.Web.Jobs;

public enum LiveState { Connecting, Live, Reconnecting, Offline }

// One job as the job page shows it: its snapshot, its event history and its loss curve, kept current.
// Order matters for "no gap, no duplicate": join the job's group first, then read the history from the
// Api, then apply live updates, skipping events already held. Updates that arrive while the history is
// being read are held back and applied after it, so the log stays in order. After a reconnect (a new
// connection, so a new join) the same happens with the events after the last one held. Updates can also
// be lost while the connection stays up (a publish that failed, a relay that was resubscribing): every
// event carries its sequence and every update how far the history reached (JobHistory), so a hole shows
// on the next update, and the Web says "catch up" when its own subscription comes back; both read the Api.
// The hub's URL and the token source are given (not the page's NavigationManager), so the same feed
// also runs outside a page: the integration tests drive it against a real Web, Api and Worker.
public sealed class JobLiveFeed(
    FineTuneApiClient api,
    IApiTokenSource token,
    Uri hubUrl,
    ILogger<JobLiveFeed> logger) : IAsyncDisposable
{
    private readonly Lock _gate = new();
    private readonly JobHistory _history = new();
    private readonly List<JobUpdate> _heldBack = [];
    private readonly LossCurve _loss = new();
    private bool _holdingBack = true;
    private HubConnection? _connection;
    private string _jobId = "";

    public FineTuneJob? Job { get; private set; }

    public IReadOnlyList<JobEvent> Events
    {
        get { lock (_gate) { return _history.Events.ToArray(); } }
    }

    public IReadOnlyList<LossPoint> LossPoints
    {
        get { lock (_gate) { return _loss.Points.ToArray(); } }
    }

    public LiveState State { get; private set; } = LiveState.Connecting;

    // Set when something failed; says what to do.
    public string? Error { get; private set; }

    // Set when the page works but does not update live.
    public string? LiveWarning { get; private set; }

    // Raised on any change; the page re-renders. Called from SignalR's threads.
    public event Func<Task>? Changed;

    public async Task StartAsync(string id, CancellationToken cancellationToken)
    {
        _jobId = id;
        _connection = new HubConnectionBuilder()
            .WithUrl(hubUrl, options => options.AccessTokenProvider = async () => await token.GetTokenAsync())
            .WithAutomaticReconnect()
            .AddJsonProtocol(options => options.PayloadSerializerOptions = new(FineTuneJson.Options))
            .Build();
        _connection.On<JobUpdate>(JobsHubContract.JobUpdated, OnUpdateAsync);
        _connection.On<string>(JobsHubContract.CatchUp, id => id == _jobId ? CatchUpAsync(CancellationToken.None) : Task.CompletedTask);
        _connection.Reconnecting += OnReconnectingAsync;
        _connection.Reconnected += OnReconnectedAsync;
        _connection.Closed += OnClosedAsync;

        try
        {
            await _connection.StartAsync(cancellationToken);
            await _connection.InvokeAsync(JobsHubContract.JoinJob, _jobId, cancellationToken);
            State = LiveState.Live;
        }
        catch (HubException ex)
        {
            // The hub refused (unknown job, bad token): the Api read below will say the same, with the reason.
            logger.LogInformation("Joining job {JobId} was refused: {Reason}", _jobId, ex.Message);
            State = LiveState.Offline;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogWarning(ex, "Live updates for job {JobId} are not available", _jobId);
            State = LiveState.Offline;
            LiveWarning = "Live updates are not available right now; reload the page to see new events.";
        }

        await CatchUpAsync(cancellationToken);
    }

    public Task CancelAsync() => ActAsync(api.CancelJobAsync);

    public Task PauseAsync() => ActAsync(api.PauseJobAsync);

    public Task ResumeAsync() => ActAsync(api.ResumeJobAsync);

    private async Task ActAsync(Func<string, CancellationToken, Task<FineTuneJob>> action)
    {
        try
        {
            var job = await action(_jobId, CancellationToken.None);
            lock (_gate)
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

    // Reads the job and the events after the last one held, then releases the held-back live updates; reads
    // again while one of them still shows a hole, as an update published after the read can.
    private async Task CatchUpAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            _holdingBack = true;
        }
        var behind = true;
        while (behind)
        {
            string? after;
            lock (_gate)
            {
                after = _history.LastEventId;
            }

            FineTuneJob? job = null;
            IReadOnlyList<JobEvent> newEvents = [];
            var read = false;
            try
            {
                job = await api.GetJobAsync(_jobId, cancellationToken);
                newEvents = await api.GetAllJobEventsAsync(_jobId, after, cancellationToken);
                read = true;
                Error = null;
            }
            catch (FineTuneApiException ex)
            {
                logger.LogWarning(ex, "Could not read job {JobId} from the Api", _jobId);
                Error = ex.UserMessage;
            }

            lock (_gate)
            {
                if (job is not null)
                {
                    ApplyJob(job);
                }
                Append(newEvents);
                behind = false;
                foreach (var update in _heldBack)
                {
                    behind |= Apply(update);
                }
                _heldBack.Clear();
                // Without the Api there is nothing to fill a hole from: the next update tries again.
                behind &= read;
                _holdingBack = behind;
            }
        }
        await NotifyAsync();
    }

    private async Task OnUpdateAsync(JobUpdate update)
    {
        bool behind;
        lock (_gate)
        {
            if (_holdingBack)
            {
                _heldBack.Add(update);
                return;
            }
            behind = Apply(update);
        }
        if (behind)
        {
            // An earlier update never came; the Api has what it carried.
            await CatchUpAsync(CancellationToken.None);
            return;
        }
        await NotifyAsync();
    }

    // Applies what an update says and returns whether it shows a hole: events stored that are not held.
    private bool Apply(JobUpdate update)
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

    private async Task OnReconnectingAsync(Exception? error)
    {
        // Hold live updates from here until the refill after the reconnect, which reads what this connection
        // missed; they are applied after it, in order.
        lock (_gate)
        {
            _holdingBack = true;
        }
        State = LiveState.Reconnecting;
        await NotifyAsync();
    }

    private async Task OnReconnectedAsync(string? connectionId)
    {
        try
        {
            // Groups belong to a connection; the reconnected one must join again.
            await _connection!.InvokeAsync(JobsHubContract.JoinJob, _jobId);
            State = LiveState.Live;
            LiveWarning = null;
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "Rejoining job {JobId} failed", _jobId);
            State = LiveState.Offline;
            LiveWarning = "Live updates stopped; reload the page to see new events.";
        }
        await CatchUpAsync(CancellationToken.None);
    }

    private async Task OnClosedAsync(Exception? error)
    {
        State = LiveState.Offline;
        LiveWarning = "Live updates stopped; reload the page to see new events.";
        await NotifyAsync();
    }

    private async Task NotifyAsync()
    {
        if (Changed is { } changed)
        {
            await changed();
        }
    }

    public async ValueTask DisposeAsync()
    {
        Changed = null;
        if (_connection is not null)
        {
            await _connection.DisposeAsync();
            _connection = null;
        }
    }
}

// Each job page owns its feed (and disposes it), so a feed never outlives the page or serves two jobs.
public sealed class JobLiveFeedFactory(
    FineTuneApiClient api,
    SignedInUserToken token,
    NavigationManager navigation,
    ILogger<JobLiveFeed> logger)
{
    public JobLiveFeed Create() => new(api, token, navigation.ToAbsoluteUri(JobsHubContract.Path), logger);
}
