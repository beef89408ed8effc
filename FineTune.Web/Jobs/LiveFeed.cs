using FineTune.Web.Api;
using FineTune.Web.Telemetry;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;

namespace FineTune.Web.Jobs;

public enum LiveState { Connecting, Live, Reconnecting, Offline }

// One thing (a job, an eval run) as its page shows it, kept current from the hub's updates of it. Order matters for
// "no gap, no duplicate": join the thing first, then read it from the Api, then apply live updates. Updates that arrive
// while it is being read are held back and applied after the read, in order. After a reconnect (a new connection, so a
// new join) the same happens. Updates can also be lost while the connection stays up (a publish that failed, a relay
// that was resubscribing): a feed sees the hole in the next update (Apply says it is behind), and the Web says
// "catch up" when its own subscription comes back; both read the Api again.
public abstract class LiveFeed<TUpdate>(IApiTokenSource token, Uri hubUrl, ILogger logger) : IAsyncDisposable
{
    private readonly List<TUpdate> _heldBack = [];
    private HubConnection? _connection;
    private bool _holdingBack = true;
    private string _id = "";
    private string _joinMethod = "";
    private object?[] _joinArguments = [];

    public LiveState State { get; private set; } = LiveState.Connecting;

    // Set when something failed; says what to do.
    public string? Error { get; protected set; }

    // Set when the page works but does not update live.
    public string? LiveWarning { get; private set; }

    // Raised on any change; the page re-renders. Called from SignalR's threads.
    public event Func<Task>? Changed;

    // Guards what the feed holds: updates arrive on SignalR's threads while the page reads.
    protected Lock Gate { get; } = new();

    // Reads the thing from the Api (outside the gate) and returns what applies the read (under the gate), or null when
    // the Api could not be read (Error says why).
    protected abstract Task<Action?> ReadAsync(CancellationToken cancellationToken);

    // Applies an update (under the gate) and returns whether it shows a hole to read from the Api.
    protected abstract bool Apply(TUpdate update);

    // Joins id with joinMethod(joinArguments), whose updates come as updateMethod, then reads it.
    protected async Task StartAsync(string id, string joinMethod, object?[] joinArguments, string updateMethod, CancellationToken cancellationToken)
    {
        _id = id;
        _joinMethod = joinMethod;
        _joinArguments = joinArguments;
        _connection = new HubConnectionBuilder()
            // WebSockets with no negotiate request, as the browser's circuit does: the Web's address may lead to another replica each time.
            .WithUrl(hubUrl, options =>
            {
                options.AccessTokenProvider = async () => await token.GetTokenAsync();
                options.SkipNegotiation = true;
                options.Transports = HttpTransportType.WebSockets;
            })
            .WithAutomaticReconnect()
            .AddJsonProtocol(options => options.PayloadSerializerOptions = new(FineTuneJson.Options))
            .Build();
        _connection.On<TUpdate>(updateMethod, OnUpdateAsync);
        _connection.On<string>(JobsHubContract.CatchUp, caughtUpId => caughtUpId == _id ? RefillGapAsync() : Task.CompletedTask);
        _connection.Reconnecting += OnReconnectingAsync;
        _connection.Reconnected += OnReconnectedAsync;
        _connection.Closed += OnClosedAsync;

        try
        {
            await _connection.StartAsync(cancellationToken);
            await _connection.InvokeCoreAsync(_joinMethod, _joinArguments, cancellationToken);
            State = LiveState.Live;
        }
        catch (HubException ex)
        {
            // The hub refused (unknown id, bad token): the Api read below will say the same, with the reason.
            logger.LogInformation("Joining {Id} was refused: {Reason}", _id, ex.Message);
            State = LiveState.Offline;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogWarning(ex, "Live updates for {Id} are not available", _id);
            State = LiveState.Offline;
            LiveWarning = "Live updates are not available right now; reload the page to see what is new.";
        }

        await CatchUpAsync(cancellationToken);
    }

    // Reads from the Api, then releases the held-back live updates; reads again while one of them still shows a hole,
    // as an update published after the read can.
    private async Task CatchUpAsync(CancellationToken cancellationToken)
    {
        lock (Gate)
        {
            _holdingBack = true;
        }
        var behind = true;
        while (behind)
        {
            var applyRead = await ReadAsync(cancellationToken);
            lock (Gate)
            {
                applyRead?.Invoke();
                behind = false;
                foreach (var update in _heldBack)
                {
                    behind |= Apply(update);
                }
                _heldBack.Clear();
                // Without the Api there is nothing to fill a hole from: the next update tries again.
                behind &= applyRead is not null;
                _holdingBack = behind;
            }
        }
        await NotifyAsync();
    }

    private async Task OnUpdateAsync(TUpdate update)
    {
        bool behind;
        lock (Gate)
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
            await RefillGapAsync();
            return;
        }
        await NotifyAsync();
    }

    private Task RefillGapAsync()
    {
        WebTelemetry.GapRefills.Add(1);
        return CatchUpAsync(CancellationToken.None);
    }

    // Holds live updates from here until the catch-up after the reconnect, which reads what this connection
    // missed; they are applied after it, in order.
    private async Task OnReconnectingAsync(Exception? error)
    {
        lock (Gate)
        {
            _holdingBack = true;
        }
        State = LiveState.Reconnecting;
        await NotifyAsync();
    }

    private async Task OnReconnectedAsync(string? connectionId)
    {
        WebTelemetry.Reconnects.Add(1);
        try
        {
            // Groups belong to a connection; the reconnected one must join again.
            await _connection!.InvokeCoreAsync(_joinMethod, _joinArguments);
            State = LiveState.Live;
            LiveWarning = null;
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "Rejoining {Id} failed", _id);
            State = LiveState.Offline;
            LiveWarning = "Live updates stopped; reload the page to see what is new.";
        }
        await CatchUpAsync(CancellationToken.None);
    }

    private async Task OnClosedAsync(Exception? error)
    {
        State = LiveState.Offline;
        LiveWarning = "Live updates stopped; reload the page to see what is new.";
        await NotifyAsync();
    }

    protected async Task NotifyAsync()
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
        GC.SuppressFinalize(this);
    }
}
