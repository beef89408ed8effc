namespace FineTune.Worker.Tests;

// The updates on the Redis channels gained traceparent and publishedAt: a Web reading a message from a Worker that
// predates them still reads it, and a message with them keeps them on the way through JSON.
public sealed class PublishedUpdateTests
{
    private static readonly FineTuneJob Job = new()
    {
        Id = "job_1",
        WorkspaceId = "ws_1",
        Status = JobStatus.Running,
        Model = "gpt-4.1-mini",
        TrainingDatasetId = "ds_1",
        Method = new JobMethod("supervised", null),
        CreatedBy = "usr_1",
        CreatedAt = DateTimeOffset.UnixEpoch,
    };

    [Fact]
    public void An_update_from_an_older_publisher_reads_without_trace_or_publish_time()
    {
        var older = FineTuneJson.Serialize(new { job = Job, newEvents = Array.Empty<JobEvent>(), lastSequence = 3 });

        var update = FineTuneJson.Deserialize<JobUpdate>(older);

        Assert.Equal((Job.Id, 3L, null, null), (update.Job.Id, update.LastSequence, update.Traceparent, update.PublishedAt));
    }

    [Fact]
    public void An_update_keeps_its_traceparent_and_publish_time_through_json()
    {
        const string traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
        var published = new JobUpdate(Job, [], 0) { Traceparent = traceparent, PublishedAt = DateTimeOffset.UnixEpoch.AddSeconds(5) };

        var read = FineTuneJson.Deserialize<JobUpdate>(FineTuneJson.Serialize(published));

        Assert.Equal((traceparent, published.PublishedAt), (read.Traceparent, read.PublishedAt));
        Assert.Contains("\"traceparent\":", FineTuneJson.Serialize(published), StringComparison.Ordinal);
    }
}
