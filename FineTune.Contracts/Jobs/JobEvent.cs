using System.Text.Json;

namespace FineTune.Contracts;

// One event of a job's history. Id is the provider's own event id, which makes ingestion idempotent.
public sealed record JobEvent(
    string Id,
    DateTimeOffset CreatedAt,
    string Level,
    string Type,
    string Message,
    JsonElement? Data);

public sealed record JobEventPage(IReadOnlyList<JobEvent> Data, bool HasMore);

// What the Worker publishes after it stored new state of a job.
public sealed record JobUpdate(FineTuneJob Job, IReadOnlyList<JobEvent> NewEvents);
