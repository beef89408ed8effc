using System.Text.Json;

namespace FineTune.Contracts;

// One event of a job's history. Id is the provider's own event id, which makes ingestion idempotent.
// Sequence is its place in the job's stored history (1, 2, 3...), given by the store (JobStore); 0 until
// stored. A consumer that holds events 1..n and sees n + 2 knows it missed one.
public sealed record JobEvent(
    string Id,
    DateTimeOffset CreatedAt,
    string Level,
    string Type,
    string Message,
    JsonElement? Data,
    long Sequence = 0);

public sealed record JobEventPage(IReadOnlyList<JobEvent> Data, bool HasMore);

// What the Worker (or the Api) publishes after it stored new state of a job. LastSequence is how far the
// job's stored history reached when it was published: a consumer holding less lost an update, and reads
// the events after its last one from the Api (GET /api/jobs/{id}/events?after=ID).
public sealed record JobUpdate(FineTuneJob Job, IReadOnlyList<JobEvent> NewEvents, long LastSequence) : PublishedUpdate;
