using FineTune.Web.Api;
using FineTune.Web.Jobs;

namespace FineTune.Web.Evals;

// One eval run as its page shows it, kept current (LiveFeed says how): the run's figures and its items by line.
// An update carries no sequence, but the run's counts say how many items were graded when it was published, and every
// item one update counts is in its own or the next update's new items (the Worker counts what is stored, then publishes
// what was graded since its last report). Fewer items held than the previous update counted, or than a finished run
// counts, is a lost update: the run's items are read from the Api again.
public sealed class EvalRunLiveFeed(
    FineTuneApiClient api,
    IApiTokenSource token,
    Uri hubUrl,
    ILogger<EvalRunLiveFeed> logger) : LiveFeed<EvalRunUpdate>(token, hubUrl, logger)
{
    private readonly SortedDictionary<int, EvalItemResult> _items = [];
    private int _countedBefore;
    private string _evalId = "";
    private string _runId = "";

    public EvalRun? Run { get; private set; }

    public IReadOnlyList<EvalItemResult> Items
    {
        get { lock (Gate) { return [.. _items.Values]; } }
    }

    public Task StartAsync(string evalId, string runId, CancellationToken cancellationToken)
    {
        _evalId = evalId;
        _runId = runId;
        return StartAsync(runId, JobsHubContract.JoinEvalRun, [evalId, runId], JobsHubContract.EvalRunUpdated, cancellationToken);
    }

    public async Task CancelAsync()
    {
        try
        {
            var run = await api.CancelEvalRunAsync(_evalId, _runId);
            lock (Gate)
            {
                ApplyRun(run);
            }
            Error = null;
        }
        catch (FineTuneApiException ex)
        {
            Error = ex.UserMessage;
        }
        await NotifyAsync();
    }

    // The run before its items: the items read then hold at least what the run counts.
    protected override async Task<Action?> ReadAsync(CancellationToken cancellationToken)
    {
        try
        {
            var run = await api.GetEvalRunAsync(_evalId, _runId, cancellationToken);
            var items = await api.GetAllEvalRunItemsAsync(_evalId, _runId, cancellationToken);
            Error = null;
            return () =>
            {
                ApplyRun(run);
                _countedBefore = Math.Max(_countedBefore, Graded(run));
                foreach (var item in items) _items[item.Line] = item;
            };
        }
        catch (FineTuneApiException ex)
        {
            logger.LogWarning(ex, "Could not read eval run {RunId} from the Api", _runId);
            Error = ex.UserMessage;
            return null;
        }
    }

    protected override bool Apply(EvalRunUpdate update)
    {
        if (update.Run.Id != _runId) return false;
        ApplyRun(update.Run);
        foreach (var item in update.NewItems) _items[item.Line] = item;
        var counted = Graded(update.Run);
        var behind = _items.Count < (EvalRunStatus.IsFinished(update.Run.Status) ? counted : _countedBefore);
        _countedBefore = Math.Max(_countedBefore, counted);
        return behind;
    }

    // A held-back update can be older than the run just read: never let it undo a finish or take figures back.
    private void ApplyRun(EvalRun run)
    {
        if (Run is not null && !EvalRunStatus.IsFinished(run.Status) && (EvalRunStatus.IsFinished(Run.Status) || Graded(run) < Graded(Run))) return;
        Run = run;
    }

    private static int Graded(EvalRun run) => EvalText.Graded(run.Counts);
}
