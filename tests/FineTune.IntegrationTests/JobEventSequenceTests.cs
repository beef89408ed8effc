using System.Threading.Channels;
using FineTune.IntegrationTests.Infrastructure;
using StackExchange.Redis;

namespace FineTune.IntegrationTests;

// The store numbers every event of a job by its place in the stored history (1, 2, 3...), on the way in
// and on the way out, also for events stored before sequences existed; and every published update names
// how far the history reaches, so a consumer that missed one can tell. Over Garnet, as the AppHost runs it.
public sealed class JobEventSequenceTests : IAsyncDisposable
{
    private readonly GarnetRedisServer _server = new();
    private readonly ConnectionMultiplexer _redis;
    private readonly string _jobId = $"job_seq{Guid.NewGuid():N}"[..20];

    public JobEventSequenceTests() => _redis = ConnectionMultiplexer.Connect(_server.ConnectionString);

    [Fact]
    public async Task Appended_events_are_numbered_in_history_order_and_read_back_with_the_same_numbers()
    {
        var store = new JobStore(_redis);

        var first = await store.AppendEventsAsync(_jobId, [Event("a"), Event("b")]);
        // "b" again (a retried poll) is skipped; "c" continues the history.
        var second = await store.AppendEventsAsync(_jobId, [Event("b"), Event("c")]);

        Assert.Equal([("a", 1L), ("b", 2L)], first.Select(e => (e.Id, e.Sequence)));
        Assert.Equal([("c", 3L)], second.Select(e => (e.Id, e.Sequence)));
        Assert.Equal([("a", 1L), ("b", 2L), ("c", 3L)], (await store.GetEventsAsync(_jobId, null, 100)).Data.Select(e => (e.Id, e.Sequence)));
        Assert.Equal([("b", 2L), ("c", 3L)], (await store.GetEventsAsync(_jobId, "a", 100)).Data.Select(e => (e.Id, e.Sequence)));
    }

    [Fact]
    public async Task Events_stored_before_sequences_existed_read_numbered_by_their_place_and_new_ones_continue()
    {
        // As an older version stored them: the event JSON without a sequence, and the id → position index.
        var db = _redis.GetDatabase();
        foreach (var (id, position) in new[] { ("old-1", 0), ("old-2", 1) })
        {
            await db.ListRightPushAsync(RedisKeys.JobEvents(_jobId), $$"""{"id":"{{id}}","createdAt":"2026-01-01T00:00:00+00:00","level":"info","type":"message","message":"{{id}}"}""");
            await db.HashSetAsync(RedisKeys.JobEventIndex(_jobId), id, position);
        }
        var store = new JobStore(_redis);

        var added = await store.AppendEventsAsync(_jobId, [Event("new-3")]);

        Assert.Equal(3, Assert.Single(added).Sequence);
        Assert.Equal([("old-1", 1L), ("old-2", 2L), ("new-3", 3L)], (await store.GetEventsAsync(_jobId, null, 100)).Data.Select(e => (e.Id, e.Sequence)));
        Assert.Equal([("old-2", 2L)], (await store.GetEventsAsync(_jobId, "old-1", 1)).Data.Select(e => (e.Id, e.Sequence)));
    }

    [Fact]
    public async Task Every_published_update_names_how_far_the_stored_history_reaches()
    {
        var store = new JobStore(_redis);
        var updates = Channel.CreateUnbounded<JobUpdate>();
        var queue = await _redis.GetSubscriber().SubscribeAsync(RedisChannel.Literal(RedisChannels.JobUpdates));
        queue.OnMessage(message => updates.Writer.TryWrite(FineTuneJson.Deserialize<JobUpdate>(message.Message.ToString())));
        var job = new FineTuneJob
        {
            Id = _jobId,
            Status = JobStatus.Running,
            Model = "gpt-4.1-mini",
            TrainingDatasetId = "ds_1",
            Method = new JobMethod("supervised", null),
            CreatedBy = "admin",
            CreatedAt = DateTimeOffset.UtcNow,
        };

        await store.SaveAndPublishAsync(job);
        await store.SaveAndPublishAsync(job, await store.AppendEventsAsync(_jobId, [Event("a"), Event("b")]));
        // A change without events (the Api pausing the job) names the same place.
        await store.SaveAndPublishAsync(job with { Status = JobStatus.Paused });

        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var published = new[] { await updates.Reader.ReadAsync(deadline.Token), await updates.Reader.ReadAsync(deadline.Token), await updates.Reader.ReadAsync(deadline.Token) };
        Assert.Equal([0L, 2L, 2L], published.Select(u => u.LastSequence));
        Assert.Equal([1L, 2L], published[1].NewEvents.Select(e => e.Sequence));
    }

    private static JobEvent Event(string id) => new(id, DateTimeOffset.UtcNow, "info", "message", id, null);

    public async ValueTask DisposeAsync()
    {
        await _redis.DisposeAsync();
        await _server.DisposeAsync();
    }
}
