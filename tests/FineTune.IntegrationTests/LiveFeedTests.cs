using System.Security.Claims;
using FineTune.IntegrationTests.Infrastructure;
using FineTune.Web.Account;
using FineTune.Web.Api;
using FineTune.Web.Jobs;
using FineTune.Web.Workspaces;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using StackExchange.Redis;

namespace FineTune.IntegrationTests;

// The job page's JobLiveFeed (the same class the page uses) against a real Web, Api, Worker and
// LocalProvider: opened late it shows the whole history, then live updates; when its SignalR
// connection drops (the Web is killed and started again on the same port) it reconnects and fills the
// gap from the Api. An update lost while the connection stays up is read from the Api too: when the next
// update shows the hole, or when the Web's Redis subscription comes back. It ends with exactly the stored
// history: no gap, no duplicate. The Web's metrics count each reconnect and each read of the Api for missed updates, and
// the job pages open (the feeds run in this process, as they run in the Web's).
public sealed class LiveFeedTests : IDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(180);

    private readonly TelemetryRecorder _telemetry = new("FineTune.Web");

    public void Dispose() => _telemetry.Dispose();

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
        Assert.Equal(1, _telemetry.Sum("finetune.web.live.reconnects"));
    }

    [Fact]
    public async Task An_update_lost_while_the_connection_stays_up_is_read_from_the_api_when_the_next_one_shows_the_hole()
    {
        await using var stack = await LivePathStack.StartAsync(stepDelay: TimeSpan.FromMilliseconds(150), withWeb: true);
        var job = await stack.CreateJobAsync();
        await using var watch = new JobWatch(stack.Redis.ConnectionString, job.Id, () => stack.Logs);
        await using var feed = CreateFeed(stack);
        await feed.StartAsync(job.Id, CancellationToken.None);
        await UntilAsync(() => feed.Events.Count >= 5, "live events", stack);

        // Events stored whose update never comes; the Worker's next update carries the events after them.
        var lost = await LoseAnUpdateAsync(stack, watch, job);
        var finished = await watch.UntilTerminalAsync(Deadline);
        var history = await watch.HistoryAsync();
        await UntilAsync(() => feed.Events.Count >= history.Count && feed.Job?.Status == finished.Status, "the feed to fill the hole", stack);

        Assert.Equal(history.Select(e => e.Id), feed.Events.Select(e => e.Id));
        Assert.Equal(Enumerable.Range(1, history.Count).Select(i => (long)i), feed.Events.Select(e => e.Sequence));
        Assert.Subset(feed.Events.Select(e => e.Id).ToHashSet(), lost.Select(e => e.Id).ToHashSet());
        var providerEvents = await stack.CreateProvider().GetEventsSinceAsync(job.ProviderJobId!, null, default);
        Assert.Equal(providerEvents.Select(e => e.Id), history.Select(e => e.Id));
        Assert.True(_telemetry.Sum("finetune.web.live.gap_refills") >= 1);
        Assert.Equal(0, _telemetry.Sum("finetune.web.live.reconnects"));
    }

    [Fact]
    public async Task When_the_webs_redis_subscription_comes_back_the_feed_catches_up_from_the_api()
    {
        await using var stack = await LivePathStack.StartAsync(stepDelay: TimeSpan.FromMilliseconds(150), withWeb: true);
        var job = await stack.CreateJobAsync();
        await using var watch = new JobWatch(stack.Redis.ConnectionString, job.Id, () => stack.Logs);
        await using var feed = CreateFeed(stack);
        await feed.StartAsync(job.Id, CancellationToken.None);
        await UntilAsync(() => feed.Events.Count >= 5, "live events", stack);

        // No Worker from here on, so no later update can show the hole: only the Web's catch-up fills it.
        await stack.Worker.KillAsync();
        var lost = await LoseAnUpdateAsync(stack, watch, job);
        Assert.DoesNotContain(feed.Events, e => e.Id == lost[0].Id);

        // Every pub/sub connection drops, the Web's relay among them, and subscribes again.
        await using (var admin = await ConnectionMultiplexer.ConnectAsync(stack.Redis.ConnectionString + ",allowAdmin=true"))
        {
            await admin.GetServers()[0].ExecuteAsync("CLIENT", "KILL", "TYPE", "pubsub");
        }

        var history = await watch.HistoryAsync();
        await UntilAsync(() => feed.Events.Count >= history.Count, "the feed to catch up", stack);
        Assert.Equal(history.Select(e => e.Id), feed.Events.Select(e => e.Id));
        Assert.True(_telemetry.Sum("finetune.web.live.gap_refills") >= 1);
    }

    [Fact]
    public async Task A_job_page_counts_as_open_from_its_start_to_its_disposal_and_once_when_it_moves_to_another_job()
    {
        await using var stack = await LivePathStack.StartAsync(stepDelay: TimeSpan.FromMilliseconds(150), withWeb: true);
        var first = await stack.CreateJobAsync();
        var second = await stack.CreateJobAsync();
        await using var services = new ServiceCollection()
            .AddHttpClient(FineTuneApiClient.HttpClientName, client => client.BaseAddress = stack.Api.BaseAddress).Services
            .BuildServiceProvider();
        var page = CreatePage(stack, services.GetRequiredService<IHttpClientFactory>());

        await page.StartAsync(first.Id);
        Assert.Equal((LiveState.Live, first.Id), (page.LiveState, page.Job?.Id));
        Assert.Equal(1, _telemetry.Sum("finetune.web.job_pages.open"));
        await page.StartAsync(second.Id);
        Assert.Equal((LiveState.Live, second.Id), (page.LiveState, page.Job?.Id));
        Assert.Equal(1, _telemetry.Sum("finetune.web.job_pages.open"));
        await page.DisposeAsync();
        Assert.Equal([1, -1], _telemetry.Measured("finetune.web.job_pages.open").Select(m => m.Value));
    }

    // The job page's state as JobPage makes it, for the admin signed in; its changes render at once, as there is no renderer.
    private static JobPageState CreatePage(LivePathStack stack, IHttpClientFactory httpClients)
    {
        var authentication = new SignedIn(new ClaimsPrincipal(new ClaimsIdentity([new Claim(FineTuneClaims.ApiToken, LivePathStack.AdminToken)], "test")));
        var token = new SignedInUserToken(authentication);
        var apis = new FineTuneApiClientFactory(httpClients);
        var workspace = new CurrentWorkspace(authentication, token, apis);
        var api = apis.Create(token, workspace);
        return new JobPageState(new LiveFeeds(api, token, new WebAddress(stack.Web!.BaseAddress), NullLoggerFactory.Instance), api, workspace, change => change());
    }

    private sealed class SignedIn(ClaimsPrincipal user) : AuthenticationStateProvider
    {
        public override Task<AuthenticationState> GetAuthenticationStateAsync() => Task.FromResult(new AuthenticationState(user));
    }

    // Where the page's circuit would be: the Web's address, which the feeds' hub address is made from.
    private sealed class WebAddress : NavigationManager
    {
        public WebAddress(Uri web) => Initialize(web.ToString(), web.ToString());
    }

    // Stores the provider's newest events as a Worker would, but publishes nothing: retried until the provider
    // had some that the Worker had not stored yet.
    private static async Task<IReadOnlyList<JobEvent>> LoseAnUpdateAsync(LivePathStack stack, JobWatch watch, FineTuneJob job)
    {
        var provider = stack.CreateProvider();
        IReadOnlyList<JobEvent> lost = [];
        var stopAt = DateTime.UtcNow + Deadline;
        while ((lost = await watch.StoreWithoutPublishingAsync(provider, job.ProviderJobId!)).Count == 0)
        {
            if (DateTime.UtcNow > stopAt) Assert.Fail($"The provider had no new events to lose.\n{stack.Logs}");
            await Task.Delay(50);
        }
        return lost;
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
