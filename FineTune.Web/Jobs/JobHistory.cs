namespace FineTune.Web.Jobs;

// A job's events as a live consumer holds them: each once, in the order of the stored history. The store
// numbers every event (Sequence 1, 2, 3...), so an event is taken only when it is the next one: one already
// held is skipped, and none is taken past a hole. The hole is then read from the Api, which has every event
// an update names (the store saves before it publishes).
public sealed class JobHistory
{
    private readonly List<JobEvent> _events = [];

    public IReadOnlyList<JobEvent> Events => _events;

    // Where the Api's events route continues from ("after"); null while nothing is held.
    public string? LastEventId => _events.Count > 0 ? _events[^1].Id : null;

    // Takes the events that continue the history, in order, and returns those it took.
    public IReadOnlyList<JobEvent> Continue(IEnumerable<JobEvent> events)
    {
        var taken = new List<JobEvent>();
        foreach (var jobEvent in events)
        {
            if (jobEvent.Sequence != _events.Count + 1) continue;
            _events.Add(jobEvent);
            taken.Add(jobEvent);
        }
        return taken;
    }

    // Whether the stored history reached further than what is held, when an update said it reached lastSequence.
    public bool IsBehind(long lastSequence) => lastSequence > _events.Count;
}
