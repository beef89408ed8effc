using System.Collections.Concurrent;

namespace FineTune.LocalProvider.FineTuning;

// Every job, in memory for reading and in the journal on disk for surviving a restart.
public sealed class JobStore
{
    private readonly ConcurrentDictionary<string, FineTuningJob> _jobs = new();
    private readonly Dictionary<string, string> _jobIdByIdempotencyKey = [];
    private readonly Lock _idempotencyGate = new();
    private readonly JobJournal _journal;
    private long _sequence;

    public JobStore(JobJournal journal, TimeProvider time, ILogger<JobStore> logger)
    {
        _journal = journal;
        foreach (var (state, events) in journal.LoadAll())
        {
            var job = FineTuningJob.Restore(state, events, time, journal);
            _jobs[job.Id] = job;
            if (job.IdempotencyKey is { } key) _jobIdByIdempotencyKey[key] = job.Id;
            _sequence = Math.Max(_sequence, job.Sequence);
        }
        logger.LogInformation("Loaded {JobCount} jobs from the journal", _jobs.Count);
    }

    public long NextSequence() => Interlocked.Increment(ref _sequence);

    public FineTuningJob? Find(string id) => _jobs.GetValueOrDefault(id);

    // A retried create with the same Idempotency-Key gets the job the first attempt made.
    public FineTuningJob? FindByIdempotencyKey(string key)
    {
        lock (_idempotencyGate) return _jobIdByIdempotencyKey.TryGetValue(key, out var id) ? Find(id) : null;
    }

    public (FineTuningJob Job, bool Created) Add(FineTuningJob job, string? idempotencyKey)
    {
        lock (_idempotencyGate)
        {
            if (idempotencyKey is not null)
            {
                if (_jobIdByIdempotencyKey.TryGetValue(idempotencyKey, out var existing)) return (_jobs[existing], false);
                _jobIdByIdempotencyKey[idempotencyKey] = job.Id;
            }
            job.StartJournal(_journal, idempotencyKey);
            _jobs[job.Id] = job;
            return (job, true);
        }
    }

    public IReadOnlyList<FineTuningJob> NewestFirst() => _jobs.Values.OrderByDescending(job => job.Sequence).ToList();

    public IReadOnlyList<FineTuningJob> OldestFirst() => _jobs.Values.OrderBy(job => job.Sequence).ToList();
}
