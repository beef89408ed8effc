using System.Collections.Concurrent;

namespace FineTune.LocalProvider.FineTuning;

// Jobs live in memory only; a restart forgets them (the files they used stay on disk).
public sealed class JobStore
{
    private readonly ConcurrentDictionary<string, FineTuningJob> _jobs = new();
    private readonly Dictionary<string, string> _jobIdByIdempotencyKey = [];
    private readonly Lock _idempotencyGate = new();
    private long _sequence;

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
            _jobs[job.Id] = job;
            return (job, true);
        }
    }

    public IReadOnlyList<FineTuningJob> NewestFirst() => _jobs.Values.OrderByDescending(job => job.Sequence).ToList();
}
