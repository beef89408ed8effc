using System.Net.Http.Json;
using System.Text.Json;
using System.Threading.Channels;
using FineTune.IntegrationTests.Infrastructure;
using StackExchange.Redis;

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

    // The dataset goes up in 1 KB parts, each held a moment by the provider: the Worker is killed after two parts,
    // and the next one goes on with the same upload from the third part and starts the job once.
    [Fact]
    public async Task Killing_the_worker_mid_upload_another_goes_on_from_the_last_part_and_the_job_starts_once()
    {
        await using var stack = await LivePathStack.StartAsync(
            stepDelay: TimeSpan.FromMilliseconds(20),
            providerEnvironment: new()
            {
                ["LocalProvider__Faults__Rules__0__Path"] = "/v1/uploads/*/parts",
                ["LocalProvider__Faults__Rules__0__Kind"] = "delay",
                ["LocalProvider__Faults__Rules__0__Delay"] = "00:00:00.300",
            },
            workerSettings: new() { ["FineTune__Worker__UploadPartBytes"] = "1024" });
        using var api = stack.CreateApiClient();
        var sample = await File.ReadAllBytesAsync(Repository.Sample("capitals-train.jsonl"));
        var dataset = await ApiCalls.UploadSampleAsync(api);
        var created = await api.PostAsJsonAsync("/api/jobs", new CreateJobRequest(dataset.Id, "gpt-4.1-mini", Suffix: "parts",
            Method: new JobMethod("supervised", new JobHyperparameters(NEpochs: 1))), FineTuneJson.Options);
        var job = (await created.Content.ReadFromJsonAsync<FineTuneJob>(FineTuneJson.Options))!;
        await using var watch = new JobWatch(stack.Redis.ConnectionString, job.Id, () => stack.Logs);

        var atKill = await watch.UntilAsync(store => store.GetAsync(job.Id), j => j.Upload!.Datasets[0].PartIds.Count >= 2, Deadline, "two parts sent");
        await stack.Worker.KillAsync();
        await stack.StartAnotherWorkerAsync();
        var finished = await watch.UntilTerminalAsync(Deadline);

        Assert.Equal(JobStatus.Succeeded, finished.Status);
        var sent = Assert.Single(finished.Upload!.Datasets);
        var parts = (int)Math.Ceiling(sample.Length / 1024.0);
        Assert.Equal(atKill.Upload!.Datasets[0].UploadId, sent.UploadId);
        Assert.Equal(atKill.Upload.Datasets[0].PartIds, sent.PartIds.Take(atKill.Upload.Datasets[0].PartIds.Count));
        Assert.Equal(parts, sent.PartIds.Count);
        Assert.Equal((sample.LongLength, sample.LongLength), (sent.Bytes, sent.BytesSent));

        // The parts made the file byte for byte, and the provider has one job, made from it.
        var provider = stack.CreateProvider();
        Assert.Equal(sample, (await provider.DownloadFileAsync(sent.FileId!, default)).ToArray());
        var providerJob = Assert.Single((await provider.ListJobsAsync(null, 100, default)).Data);
        Assert.Equal((finished.ProviderJobId, sent.FileId), (providerJob.Id, providerJob.TrainingFileId));
    }

    [Fact]
    public Task Restarting_redis_mid_job_loses_and_duplicates_nothing() =>
        RestartingTheStoreMidJobLosesAndDuplicatesNothingAsync(() => new PersistentRedisServer());

    [Fact]
    public Task Restarting_garnet_mid_job_loses_and_duplicates_nothing() =>
        RestartingTheStoreMidJobLosesAndDuplicatesNothingAsync(() => new PersistentGarnetServer());

    // The store (with its append-only file) is killed mid-job and started again on the same port and data.
    private static async Task RestartingTheStoreMidJobLosesAndDuplicatesNothingAsync(Func<IRestartableRedisServer> redis)
    {
        await using var stack = await LivePathStack.StartAsync(stepDelay: TimeSpan.FromMilliseconds(60), redis: redis);
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

    [Fact]
    public async Task A_running_job_created_outside_FineTune_is_imported_once_and_its_events_ingested_live_by_two_workers()
    {
        await using var stack = await LivePathStack.StartAsync(stepDelay: TimeSpan.FromMilliseconds(150));
        // Two replicas import concurrently: the provider job must still become exactly one FineTune job.
        await stack.StartAnotherWorkerAsync();
        await using var redis = await ConnectionMultiplexer.ConnectAsync(stack.Redis.ConnectionString);
        var updates = Channel.CreateUnbounded<JobUpdate>();
        var queue = await redis.GetSubscriber().SubscribeAsync(RedisChannel.Literal(RedisChannels.JobUpdates));
        queue.OnMessage(message => updates.Writer.TryWrite(FineTuneJson.Deserialize<JobUpdate>(message.Message.ToString())));

        var provider = stack.CreateProvider();
        var (fileId, providerJob) = await ApiCalls.TrainOutsideAsync(provider, epochs: 3, seed: 3);

        var published = new List<JobUpdate>();
        using (var deadline = new CancellationTokenSource(Deadline))
        {
            try
            {
                await foreach (var update in updates.Reader.ReadAllAsync(deadline.Token))
                {
                    if (update.Job.ProviderJobId != providerJob.Id) continue;
                    published.Add(update);
                    if (JobStatus.IsTerminal(update.Job.Status)) break;
                }
            }
            catch (OperationCanceledException)
            {
                Assert.Fail($"The imported job did not finish; {published.Count} updates.\n{stack.Logs}");
            }
        }

        // Imported while it still ran, then polled like any job: its events arrived in several live updates.
        Assert.False(JobStatus.IsTerminal(published[0].Job.Status), $"imported only once finished ({published[0].Job.Status})");
        Assert.True(published.Count(u => u.NewEvents.Count > 0 && !JobStatus.IsTerminal(u.Job.Status)) >= 2);
        Assert.Single(published.Select(u => u.Job.Id).Distinct());
        var finished = published[^1].Job;
        Assert.Equal(JobStatus.Succeeded, finished.Status);
        Assert.True(finished.IsImported);
        Assert.Equal(fileId, finished.TrainingFileId);
        Assert.Equal(3, finished.ResolvedHyperparameters?.NEpochs);
        Assert.NotEmpty(finished.ResultFiles ?? []);

        using var api = stack.CreateApiClient();
        var all = (await api.GetFromJsonAsync<List<FineTuneJob>>("/api/jobs", FineTuneJson.Options))!;
        Assert.Single(all, j => j.ProviderJobId == providerJob.Id);
        await using var watch = new JobWatch(stack.Redis.ConnectionString, finished.Id, () => stack.Logs);
        await AssertExactHistoryAsync(stack, watch, finished);
        Assert.Equal((await watch.HistoryAsync()).Select(e => e.Id), published.SelectMany(u => u.NewEvents).Select(e => e.Id));
    }

    [Fact]
    public async Task An_update_redis_refused_to_publish_is_published_again_by_the_next_poll_even_when_nothing_is_new()
    {
        await using var stack = await LivePathStack.StartAsync(stepDelay: TimeSpan.FromMilliseconds(100));
        // A Worker signed in as a Redis user of its own, whose right to PUBLISH the test takes away and gives back.
        await stack.Worker.KillAsync();
        using var admin = await ConnectionMultiplexer.ConnectAsync(stack.Redis.ConnectionString + ",allowAdmin=true");
        var server = admin.GetServer(admin.GetEndPoints()[0]);
        await server.ExecuteAsync("ACL", "SETUSER", "worker", "on", ">worker-secret", "~*", "&*", "+@all");
        await stack.StartAnotherWorkerAsync(stack.Redis.ConnectionString + ",user=worker,password=worker-secret");
        var updates = Channel.CreateUnbounded<JobUpdate>();
        var subscription = await admin.GetSubscriber().SubscribeAsync(RedisChannel.Literal(RedisChannels.JobUpdates));
        subscription.OnMessage(message => updates.Writer.TryWrite(FineTuneJson.Deserialize<JobUpdate>(message.Message.ToString())));

        var job = await stack.CreateJobAsync();
        await using var watch = new JobWatch(stack.Redis.ConnectionString, job.Id, () => stack.Logs);
        await watch.UntilEventsAsync(5, Deadline);
        await server.ExecuteAsync("ACL", "SETUSER", "worker", "-publish");
        // The job finishes while every update about it is refused: its end is saved, and no one is told.
        var finished = await watch.UntilTerminalAsync(Deadline);
        await server.ExecuteAsync("ACL", "SETUSER", "worker", "+publish");

        // Without a new poll's publish, no update ever says the job ended.
        using var deadline = new CancellationTokenSource(Deadline);
        JobUpdate update;
        do update = await updates.Reader.ReadAsync(deadline.Token);
        while (update.Job.Id != job.Id || !JobStatus.IsTerminal(update.Job.Status));
        var history = await watch.HistoryAsync();
        Assert.Equal(finished.Status, update.Job.Status);
        Assert.Equal(history.Count, update.LastSequence);
        await AssertExactHistoryAsync(stack, watch, finished);
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
        var page = (await api.GetFromJsonAsync<JobEventPage>($"/api/jobs/{finished.Id}/events?limit=10000", FineTuneJson.Options))!;
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
