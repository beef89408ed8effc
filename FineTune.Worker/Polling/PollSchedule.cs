namespace FineTune.Worker.Polling;

// When each active job is polled next. Pure bookkeeping, no I/O: the poller asks for the jobs that are
// due, polls them, and reports each outcome back, which decides the job's next time:
// - polled: one interval for its status after the poll started (fast while running, slow otherwise);
// - rate limited (429): exactly when the provider's Retry-After says, for that job only;
// - failed (5xx, timeout, dropped connection, Redis away): exponential backoff with jitter;
// - held by another worker: the normal interval, to take over soon if that worker dies;
// - terminal or gone: forgotten.
// A job handed out is "in flight" and not handed out again until its outcome is reported.
public sealed class PollSchedule(WorkerOptions options, Func<double> jitter)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Entry> _jobs = [];

    public int Count
    {
        get { lock (_gate) return _jobs.Count; }
    }

    // Adds the jobs not yet scheduled (due at once) and drops those no longer active.
    public void Sync(IEnumerable<string> activeJobIds, DateTimeOffset now)
    {
        var active = activeJobIds.ToHashSet();
        lock (_gate)
        {
            foreach (var jobId in active) _jobs.TryAdd(jobId, new Entry { Due = now });
            foreach (var (jobId, entry) in _jobs.ToList())
            {
                if (!active.Contains(jobId) && !entry.InFlight) _jobs.Remove(jobId);
            }
        }
    }

    // The jobs due at `now`, earliest first, now in flight.
    public IReadOnlyList<string> TakeDue(DateTimeOffset now)
    {
        lock (_gate)
        {
            var due = _jobs.Where(job => !job.Value.InFlight && job.Value.Due <= now)
                .OrderBy(job => job.Value.Due).Select(job => job.Key).ToList();
            foreach (var jobId in due) _jobs[jobId].InFlight = true;
            return due;
        }
    }

    // The earliest time a job not in flight is due, if any.
    public DateTimeOffset? NextDue
    {
        get
        {
            lock (_gate)
            {
                return _jobs.Values.Where(entry => !entry.InFlight).Select(entry => (DateTimeOffset?)entry.Due).Min();
            }
        }
    }

    public DateTimeOffset? DueOf(string jobId)
    {
        lock (_gate) return _jobs.TryGetValue(jobId, out var entry) && !entry.InFlight ? entry.Due : null;
    }

    public int FailuresOf(string jobId)
    {
        lock (_gate) return _jobs.TryGetValue(jobId, out var entry) ? entry.Failures : 0;
    }

    public void Polled(string jobId, string status, DateTimeOffset startedAt, DateTimeOffset now) =>
        Reschedule(jobId, entry =>
        {
            entry.Failures = 0;
            var next = startedAt + options.IntervalFor(status);
            return next > now ? next : now;
        });

    public void RateLimited(string jobId, TimeSpan retryAfter, DateTimeOffset now) =>
        Reschedule(jobId, _ => now + retryAfter);

    public TimeSpan Failed(string jobId, DateTimeOffset now)
    {
        var delay = TimeSpan.Zero;
        Reschedule(jobId, entry =>
        {
            entry.Failures++;
            delay = ExponentialBackoff.Delay(entry.Failures, options.BackoffInitialDelay, options.BackoffMaxDelay, jitter());
            return now + delay;
        });
        return delay;
    }

    public void HeldElsewhere(string jobId, DateTimeOffset now) =>
        Reschedule(jobId, entry =>
        {
            entry.HeldElsewhere = true;
            return now + options.PollInterval;
        });

    // Whether this poller now holds a job another one held when last tried: a takeover (that one stopped or died).
    public bool TookOver(string jobId)
    {
        lock (_gate)
        {
            if (!_jobs.TryGetValue(jobId, out var entry) || !entry.HeldElsewhere) return false;
            entry.HeldElsewhere = false;
            return true;
        }
    }

    public void Forget(string jobId)
    {
        lock (_gate) _jobs.Remove(jobId);
    }

    private void Reschedule(string jobId, Func<Entry, DateTimeOffset> next)
    {
        lock (_gate)
        {
            if (!_jobs.TryGetValue(jobId, out var entry)) return;
            entry.Due = next(entry);
            entry.InFlight = false;
        }
    }

    private sealed class Entry
    {
        public DateTimeOffset Due { get; set; }
        public int Failures { get; set; }
        public bool InFlight { get; set; }
        public bool HeldElsewhere { get; set; }
    }
}
