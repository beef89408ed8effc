using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using FineTune.Data;
using Microsoft.Playwright;
using StackExchange.Redis;
using Xunit.Abstractions;

namespace FineTune.EndToEndTests;

// The AppHost with FineTune:Replicas: two Webs and two Workers on one Redis, behind the AppHost's proxy as behind a load
// balancer. Its own AppHost, in the AppHost collection so that it runs alone.
[Collection(AppHostCollection.Name)]
public sealed class ReplicaTests(ITestOutputHelper output)
{
    private static readonly TimeSpan StartDeadline = TimeSpan.FromMinutes(4);
    private static readonly TimeSpan LeaseDuration = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task Two_webs_and_two_workers_share_the_jobs_and_the_other_worker_takes_over_a_killed_ones_exactly()
    {
        var dataDirectory = Directory.CreateTempSubdirectory("finetune-replicas-").FullName;
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.FineTune_AppHost>(
        [
            $"--FineTune:Bootstrap:AdminToken={AppHostFixture.AdminToken}",
            $"--FineTune:DataDirectory={dataDirectory}",
            "--FineTune:Replicas:Web=2",
            "--FineTune:Replicas:Worker=2",
        ]);
        await using var app = await builder.BuildAsync();
        using var startDeadline = new CancellationTokenSource(StartDeadline);
        await app.StartAsync(startDeadline.Token);
        await app.ResourceNotifications.WaitForResourceHealthyAsync("api", startDeadline.Token);
        await HealthyReplicasAsync(app, "worker", startDeadline.Token);
        await HealthyReplicasAsync(app, "web", startDeadline.Token);

        using var api = app.CreateHttpClient("api");
        api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", AppHostFixture.AdminToken);
        using var content = new StreamContent(File.OpenRead(AppHostFixture.Sample("capitals-train.jsonl")));
        var upload = await api.PostAsync("/api/datasets?name=replicas.jsonl", content);
        Assert.Equal(HttpStatusCode.Created, upload.StatusCode);
        var dataset = (await upload.Content.ReadFromJsonAsync<DatasetRecord>(FineTuneJson.Options))!;
        var jobs = new List<FineTuneJob>();
        for (var i = 0; i < 4; i++)
        {
            var created = await api.PostAsJsonAsync("/api/jobs", new CreateJobRequest(dataset.Id, "gpt-4.1-mini", Suffix: $"replica{i}", Seed: i,
                Method: new JobMethod("supervised", new JobHyperparameters(NEpochs: 12))), FineTuneJson.Options);
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            jobs.Add((await created.Content.ReadFromJsonAsync<FineTuneJob>(FineTuneJson.Options))!);
        }

        // Every job held by a Worker and two training (the LocalProvider trains two at a time, the others wait in its
        // queue); then the Worker holding the most is stopped mid-job. Looked at as soon as the jobs are created: a job
        // trains for about a minute, so nothing has finished yet, however slow the machine was to get here.
        await using var redis = await ConnectionMultiplexer.ConnectAsync((await app.GetConnectionStringAsync("redis"))!);
        Dictionary<string, int> holders = [];
        List<FineTuneJob> waiting = [];
        await AppHostFixture.WaitForAsync(async () =>
        {
            holders = await LeaseHoldersAsync(redis, jobs);
            waiting = [];
            foreach (var job in jobs)
            {
                if (await StatusOfAsync(api, job.Id) != JobStatus.Running) waiting.Add(job);
            }
            return holders.Count == jobs.Count && waiting.Count == 2;
        }, "every job leased and two running");
        var killed = holders.Values.GroupBy(pid => pid).MaxBy(held => held.Count())!.Key;
        var orphaned = holders.Where(held => held.Value == killed).Select(held => held.Key).ToList();
        output.WriteLine($"Leases: {string.Join(", ", holders.Select(held => $"{held.Key} by {held.Value}"))}; killing Worker process {killed}.");
        // Killed, as a crash or an evicted machine ends it: no lease is handed over.
        using (var process = System.Diagnostics.Process.GetProcessById(killed))
        {
            process.Kill();
            using var exitDeadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await process.WaitForExitAsync(exitDeadline.Token);
        }
        var stoppedAt = DateTime.UtcNow;

        // Its jobs are taken by the other Worker once their leases run out.
        await AppHostFixture.WaitForAsync(async () =>
        {
            var now = await LeaseHoldersAsync(redis, jobs);
            foreach (var jobId in orphaned)
            {
                if (now.GetValueOrDefault(jobId, killed) == killed && !JobStatus.IsTerminal(await StatusOfAsync(api, jobId))) return false;
            }
            return true;
        }, "the killed Worker's jobs leased by the other");
        var takeover = DateTime.UtcNow - stoppedAt;
        output.WriteLine($"{orphaned.Count} jobs taken over in {takeover.TotalSeconds:F1} s.");
        Assert.NotEmpty(orphaned);
        Assert.True(takeover < LeaseDuration + TimeSpan.FromSeconds(10), $"The takeover took {takeover}.");

        // A browser through the proxy, so each page's circuit is on one Web or the other, follows the two jobs that
        // waited in the provider's queue: they train after the takeover, live on their pages.
        await using var browser = await Browser.LaunchAsync(app.GetEndpoint("web", "http"), output, nameof(ReplicaTests));
        var pages = new List<IPage>();
        foreach (var job in waiting)
        {
            var page = await browser.NewSignedInPageAsync();
            await page.GoToInteractivePageAsync($"/jobs/{job.Id}");
            pages.Add(page);
        }

        // Every job finishes with the provider's history, each event once, and the pages show it live.
        var provider = new FineTuningProvider(new ProviderOptions { Endpoint = $"{app.GetEndpoint("localprovider", "http")}v1", ApiKey = "local" });
        foreach (var job in jobs)
        {
            var finished = await FinishedAsync(api, job.Id);
            Assert.Equal(JobStatus.Succeeded, finished.Status);
            var stored = (await api.GetFromJsonAsync<JobEventPage>($"/api/jobs/{job.Id}/events?limit=10000", FineTuneJson.Options))!.Data.Select(e => e.Id);
            var provided = (await provider.GetEventsSinceAsync(finished.ProviderJobId!, null, default)).Select(e => e.Id);
            Assert.Equal(provided, stored);
        }
        for (var i = 0; i < pages.Count; i++)
        {
            await Assertions.Expect(pages[i].Locator("[data-testid=job-status][data-status=succeeded]")).ToBeVisibleAsync(new() { Timeout = 60_000 });
            var expected = (await api.GetFromJsonAsync<JobEventPage>($"/api/jobs/{waiting[i].Id}/events?limit=10000", FineTuneJson.Options))!.Data.Select(e => e.Id);
            await pages[i].Mouse.MoveAsync(0, 0);
            await AppHostFixture.WaitForAsync(async () => (await pages[i].JobEventIdsAsync()).SequenceEqual(expected), $"job {waiting[i].Id}'s whole history on its page");
        }

        // Closing the browser checks its last page with axe-core, which needs the Web still up.
        await browser.DisposeAsync();
        await app.StopAsync();
        Directory.Delete(dataDirectory, recursive: true);
    }

    // Until both replicas of a service report healthy.
    private static async Task HealthyReplicasAsync(DistributedApplication app, string service, CancellationToken cancellationToken)
    {
        var healthy = new HashSet<string>();
        await foreach (var update in app.ResourceNotifications.WatchAsync(cancellationToken))
        {
            if (update.Resource.Name != service || update.Snapshot.HealthStatus != Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Healthy) continue;
            healthy.Add(update.ResourceId);
            if (healthy.Count == 2) return;
        }
    }

    // Job id → the process id of the Worker holding its lease (the lease's value is "machine:pid:guid").
    private static async Task<Dictionary<string, int>> LeaseHoldersAsync(ConnectionMultiplexer redis, List<FineTuneJob> jobs)
    {
        var holders = new Dictionary<string, int>();
        foreach (var job in jobs)
        {
            if (await redis.GetDatabase().StringGetAsync(RedisKeys.JobLease(job.Id)) is { HasValue: true } owner)
                holders[job.Id] = int.Parse(owner.ToString().Split(':')[1], System.Globalization.CultureInfo.InvariantCulture);
        }
        return holders;
    }

    private static async Task<string> StatusOfAsync(HttpClient api, string jobId) =>
        (await api.GetFromJsonAsync<FineTuneJob>($"/api/jobs/{jobId}", FineTuneJson.Options))!.Status;

    private static async Task<FineTuneJob> FinishedAsync(HttpClient api, string jobId)
    {
        var deadline = DateTime.UtcNow.AddMinutes(4);
        while (true)
        {
            var job = (await api.GetFromJsonAsync<FineTuneJob>($"/api/jobs/{jobId}", FineTuneJson.Options))!;
            if (JobStatus.IsTerminal(job.Status)) return job;
            Assert.True(DateTime.UtcNow < deadline, $"Job {jobId} is still {job.Status}.");
            await Task.Delay(500);
        }
    }

}
