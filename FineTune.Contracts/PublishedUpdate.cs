namespace FineTune.Contracts;

// What every update published on a Redis channel carries besides its content. Traceparent (W3C) is the publisher's
// trace, which the Web's relay and its SignalR send continue; PublishedAt times the fan-out to the browsers.
// Messages of older publishers have neither.
public abstract record PublishedUpdate
{
    public string? Traceparent { get; init; }
    public DateTimeOffset? PublishedAt { get; init; }
}
