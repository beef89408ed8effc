using FineTune.IntegrationTests.Infrastructure;
using FineTune.Web.Api;
using FineTune.Web.Jobs;
using Microsoft.Extensions.Logging.Abstractions;

namespace FineTune.IntegrationTests;

// The job page's JobLiveFeed (the same class the page uses) against a real Web, Api, Worker and
// LocalProvider: opened late it shows the whole history, then live updates; when its SignalR
// connection drops (the Web is killed and started again on the same port) it reconnects and fills the
// gap from the Api. It ends with exactly the stored history: no gap, no duplicate.
public sealed class LiveFeedTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(180);

    [Fact]
    public async Task A_feed_opened_late_shows_the_history_then_live_updates_and_fills_the_gap_after_a_dropped_connection()
    {
        await using var stack = await LivePathStack.StartAsync(stepDelay: TimeSpan.FromMilliseconds(150), withWeb: true);
        var job = await stack.CreateJobAsync();
        await using var watch = new JobWatch(stack.Redis.ConnectionString, job.Id, () => stack.Logs);
        var storedBeforeOpen = await watch.UntilEventsAsync(8, Deadline);

        await using var feed = CreateFeed(stack);
        await feed.StartAsync(job.Id, CancellationToken.None);

        // Opened late: everything stored so far is there at once, in order.
        Assert.Equal(LiveState.Live, feed.State);
        Assert.Equal(storedBeforeOpen.Select(e => e.Id), feed.Events.Take(storedBeforeOpen.Count).Select(e => e.Id));

        // Then live: new events arrive without any read from the Api.
        var afterOpen = feed.Events.Count;
        await UntilAsync(() => feed.Events.Count >= afterOpen + 3, "live events", stack);

        // The connection drops; the job goes on meanwhile.
        await stack.Web!.KillAsync();
        await UntilAsync(() => feed.State == LiveState.Reconnecting, "the feed to notice the drop", stack);
        var heldAtDrop = feed.Events.Count;
        await watch.UntilEventsAsync((await watch.HistoryAsync()).Count + 5, Deadline);
        await stack.Web.StartAgainAsync();

        await UntilAsync(() => feed.State == LiveState.Live, "the feed to reconnect", stack);
        var finished = await watch.UntilTerminalAsync(Deadline);
        var history = await watch.HistoryAsync();
        await UntilAsync(() => feed.Events.Count >= history.Count && feed.Job?.Status == finished.Status, "the feed to catch up", stack);

        Assert.Equal(history.Select(e => e.Id), feed.Events.Select(e => e.Id));
        Assert.True(history.Count > heldAtDrop + 5);
        Assert.Equal(JobStatus.Succeeded, feed.Job!.Status);
        Assert.NotEmpty(feed.LossPoints);
    }

    private static JobLiveFeed CreateFeed(LivePathStack stack)
    {
        var token = new FixedApiToken(LivePathStack.AdminToken);
        var api = new FineTuneApiClient(new HttpClient { BaseAddress = stack.Api.BaseAddress }, token);
        return new JobLiveFeed(api, token, new Uri(stack.Web!.BaseAddress, JobsHubContract.Path), NullLogger<JobLiveFeed>.Instance);
    }

    private static async Task UntilAsync(Func<bool> condition, string what, LivePathStack stack)
    {
        var stopAt = DateTime.UtcNow + Deadline;
        while (!condition())
        {
            if (DateTime.UtcNow > stopAt) Assert.Fail($"Timed out waiting for {what}.\n{stack.Logs}");
            await Task.Delay(50);
        }
    }
}
