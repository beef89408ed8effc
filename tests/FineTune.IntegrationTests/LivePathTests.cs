using System.Net.Http.Json;
using System.Text.Json;
using FineTune.Core.Jobs;
using FineTune.IntegrationTests.Infrastructure;

namespace FineTune.IntegrationTests;

// The live path must be exact: whatever breaks mid-job (the Worker, Redis, the provider), the job's
// stored history ends up equal to the provider's own event list: same ids, same order, none twice.
// Each test runs its own stack of real processes, because each one breaks something.
public sealed class LivePathTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(180);

    [Fact]
    public async Task Killing_the_worker_mid_job_and_starting_another_loses_and_duplicates_nothing()
    {
        await using var stack = await LivePathStack.StartAsync(stepDelay: TimeSpan.FromMilliseconds(60));
        var job = await stack.CreateJobAsync();
        await using var watch = new JobWatch(stack.Redis.ConnectionString, job.Id, () => stack.Logs);

        var beforeKill = await watch.UntilEventsAsync(10, Deadline);
        await stack.Worker.KillAsync();

        // The provider carries on without a worker: let it get ahead, so the next worker has a gap to fill.
        var provider = stack.CreateProvider();
        var storedAtKill = (await watch.HistoryAsync()).Count;
        await WaitUntilAsync(async () => (await provider.GetEventsSinceAsync(job.ProviderJobId!, null, default)).Count >= storedAtKill + 10, stack);
        Assert.Equal(storedAtKill, (await watch.HistoryAsync()).Count);

        await stack.StartAnotherWorkerAsync();
        var finished = await watch.UntilTerminalAsync(Deadline);

        Assert.Equal(JobStatus.Succeeded, finished.Status);
        await AssertExactHistoryAsync(stack, watch, finished);
        Assert.True(beforeKill.Count >= 10);
    }

    [Fact]
    public async Task Restarting_redis_mid_job_loses_and_duplicates_nothing()
    {
        await using var stack = await LivePathStack.StartAsync(stepDelay: TimeSpan.FromMilliseconds(60));
        var job = await stack.CreateJobAsync();
        await using var watch = new JobWatch(stack.Redis.ConnectionString, job.Id, () => stack.Logs);

        await watch.UntilEventsAsync(10, Deadline);
        await stack.Redis.KillAsync();
        // Down long enough for the Worker's calls to fail and back off (its lease runs out, too).
        var provider = stack.CreateProvider();
        var seen = (await provider.GetEventsSinceAsync(job.ProviderJobId!, null, default)).Count;
        await WaitUntilAsync(async () => (await provider.GetEventsSinceAsync(job.ProviderJobId!, null, default)).Count >= seen + 10, stack);
        stack.Redis.Start();

        var finished = await watch.UntilTerminalAsync(Deadline);

        Assert.Equal(JobStatus.Succeeded, finished.Status);
        await AssertExactHistoryAsync(stack, watch, finished);
        Assert.True(stack.Worker.IsRunning, "the Worker must survive Redis going away");
        Assert.True(stack.Api.IsRunning);
    }

    [Fact]
    public async Task With_30_percent_of_provider_calls_failing_with_429_or_500_the_job_completes_with_an_exact_history()
    {
        // Every job route the Worker reads: 15% rate-limited (with Retry-After), then 17.65% of the rest
        // answered 500, so 30% of calls fail in all.
        const string jobRoutes = "/v1/fine_tuning/jobs/*";
        await using var stack = await LivePathStack.StartAsync(stepDelay: TimeSpan.FromMilliseconds(100), new()
        {
            ["LocalProvider__Faults__Seed"] = "7",
            ["LocalProvider__Faults__Rules__0__Path"] = jobRoutes,
            ["LocalProvider__Faults__Rules__0__Method"] = "GET",
            ["LocalProvider__Faults__Rules__0__Kind"] = "rate_limit",
            ["LocalProvider__Faults__Rules__0__Rate"] = "0.15",
            ["LocalProvider__Faults__Rules__0__RetryAfter"] = "00:00:00.300",
            ["LocalProvider__Faults__Rules__1__Path"] = jobRoutes,
            ["LocalProvider__Faults__Rules__1__Method"] = "GET",
            ["LocalProvider__Faults__Rules__1__Kind"] = "server_error",
            ["LocalProvider__Faults__Rules__1__Rate"] = "0.1765",
        });
        var job = await stack.CreateJobAsync();
        await using var watch = new JobWatch(stack.Redis.ConnectionString, job.Id, () => stack.Logs);

        var finished = await watch.UntilTerminalAsync(Deadline);

        Assert.Equal(JobStatus.Succeeded, finished.Status);
        using var http = new HttpClient { BaseAddress = stack.LocalProvider.BaseAddress };
        var faults = await http.GetFromJsonAsync<JsonElement>("/admin/faults");
        var rules = faults.GetProperty("rules").EnumerateArray().ToList();
        var matched = rules[0].GetProperty("matched").GetInt32();
        var fired = rules.Sum(rule => rule.GetProperty("fired").GetInt32());
        Assert.True(matched >= 20, $"the Worker made only {matched} job calls");
        Assert.InRange(fired / (double)matched, 0.15, 0.45);
        Assert.True(rules[0].GetProperty("fired").GetInt32() > 0 && rules[1].GetProperty("fired").GetInt32() > 0);

        // The faults stop; the checks below read the provider without being failed themselves.
        await http.DeleteAsync("/admin/faults");
        await AssertExactHistoryAsync(stack, watch, finished);
        Assert.True(stack.Worker.IsRunning, "the Worker must survive provider faults");
    }

    private static async Task AssertExactHistoryAsync(LivePathStack stack, JobWatch watch, FineTuneJob finished)
    {
        var providerEvents = await stack.CreateProvider().GetEventsSinceAsync(finished.ProviderJobId!, null, default);
        var history = await watch.HistoryAsync();
        Assert.Equal(providerEvents.Select(e => e.Id), history.Select(e => e.Id));
        Assert.Equal(history.Count, history.Select(e => e.Id).Distinct().Count());
        Assert.Equal(providerEvents.Select(e => e.Message), history.Select(e => e.Message));
        Assert.Contains(history, e => e.Type == "metrics");

        // The Api serves the same history.
        using var api = stack.CreateApiClient();
        var page = (await api.GetFromJsonAsync<JobEventPage>($"/api/jobs/{finished.Id}/events?limit=10000", Core.FineTuneJson.Options))!;
        Assert.Equal(history.Select(e => e.Id), page.Data.Select(e => e.Id));
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, LivePathStack stack)
    {
        var stopAt = DateTime.UtcNow + Deadline;
        while (!await condition())
        {
            if (DateTime.UtcNow > stopAt) Assert.Fail($"Timed out.\n{stack.Logs}");
            await Task.Delay(100);
        }
    }
}
