using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Aspire.Hosting.Testing;
using FineTune.Data;
using Microsoft.Playwright;
using StackExchange.Redis;
using Xunit.Abstractions;

namespace FineTune.EndToEndTests;

// Launch, watch and try a job in the browser, against the real AppHost (LocalProvider step delay 200 ms).
[Collection(AppHostCollection.Name)]
public sealed partial class JobBrowserTests(AppHostFixture fixture, ITestOutputHelper output) : IAsyncLifetime
{
    private Browser _browser = null!;

    public async Task InitializeAsync() => _browser = await Browser.LaunchAsync(fixture.WebAddress, output, nameof(JobBrowserTests));

    [Fact]
    public async Task Create_a_job_from_the_form_pause_and_resume_it_and_a_second_browser_sees_the_same_history()
    {
        var dataset = await fixture.UploadCapitalsAsync($"browser-jobs-{Guid.NewGuid():N}"[..20] + ".jsonl");
        var page = await _browser.NewSignedInPageAsync();

        await page.GoToInteractivePageAsync("/jobs");
        await page.GetByTestId("training-dataset").ClickAsync();
        await page.GetByRole(AriaRole.Option, new() { Name = dataset.Name }).First.ClickAsync();
        // Enough epochs that the job runs long enough to be paused: 10 x 24 steps of 200 ms.
        await page.GetByTestId("epochs").FillAsync("10");
        await page.GetByTestId("epochs").BlurAsync();
        await Assertions.Expect(page.Locator("[data-testid=job-estimate][data-epochs='10']")).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByTestId("estimate-tokens")).ToContainTextAsync("trained tokens");
        await page.GetByTestId("suffix").FillAsync("watch");
        await page.GetByTestId("create-job").ClickAsync();
        await page.WaitForURLAsync(JobPageUrl());
        var jobId = page.Url.Split('/')[^1];

        await Assertions.Expect(page.Locator("[data-testid=job-status][data-status=running]")).ToBeVisibleAsync(new() { Timeout = 120_000 });
        await AppHostFixture.WaitForAsync(async () => await page.Locator("[data-testid=job-event][data-event-type=metrics]").CountAsync() >= 5, "metrics events on the job page");
        await Assertions.Expect(page.GetByTestId("loss-chart")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("[data-testid=timeline-running][data-state=current]")).ToContainTextAsync("step");

        await page.GetByTestId("job-pause").ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Yes, pause" }).ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=job-status][data-status=paused]")).ToBeVisibleAsync();

        // Halfway through, a second browser opens the job page: it shows the same history as the first.
        var second = await _browser.NewSignedInPageAsync();
        await second.GoToInteractivePageAsync($"/jobs/{jobId}");
        await Assertions.Expect(second.Locator("[data-testid=job-status][data-status=paused]")).ToBeVisibleAsync();
        await WaitForSameHistoryAsync(jobId, page, second);

        await page.GetByTestId("job-resume").ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Yes, resume" }).ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=job-status][data-status=succeeded]")).ToBeVisibleAsync(new() { Timeout = 240_000 });
        await Assertions.Expect(second.Locator("[data-testid=job-status][data-status=succeeded]")).ToBeVisibleAsync();

        await Assertions.Expect(page.GetByTestId("fine-tuned-model")).ToHaveTextAsync(new Regex("^ft:gpt-4.1-mini:.*:watch:"));
        await WaitForSameHistoryAsync(jobId, page, second);
        await Assertions.Expect(page.GetByTestId("job-checkpoint").First).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByTestId("job-results")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("[data-testid=resolved-hyperparameters]")).ToContainTextAsync("epochs 10");
    }

    // The provider holds the dataset's upload for a few seconds: the form still goes to the job page at once, and the page
    // shows the job uploading, then moving on when the Worker has it on the provider.
    [Fact]
    public async Task A_job_goes_to_its_page_at_once_and_shows_its_upload_live_while_the_provider_holds_it()
    {
        using var api = fixture.CreateApiClient();
        var name = $"browser-upload-{Guid.NewGuid():N}"[..22] + ".jsonl";
        // Bytes of its own, so no earlier job's file on the provider is reused.
        using var content = new StringContent(await File.ReadAllTextAsync(AppHostFixture.Sample("capitals-train.jsonl"))
            + $$"""{"messages":[{"role":"user","content":"Which upload is this?"},{"role":"assistant","content":"{{name}}"}]}""" + "\n");
        var dataset = (await (await api.PostAsync($"/api/datasets?name={name}", content)).Content.ReadFromJsonAsync<DatasetRecord>(FineTuneJson.Options))!;
        using var provider = new HttpClient { BaseAddress = fixture.App.GetEndpoint("localprovider", "http") };
        (await provider.PostAsJsonAsync("/admin/faults",
            new { seed = 1, rules = new[] { new { path = "/v1/files", method = "POST", kind = "delay", delay = "00:00:04", times = 1 } } })).EnsureSuccessStatusCode();
        try
        {
            var page = await _browser.NewSignedInPageAsync();
            await page.GoToInteractivePageAsync("/jobs");
            await page.GetByTestId("training-dataset").ClickAsync();
            await page.GetByRole(AriaRole.Option, new() { Name = dataset.Name }).First.ClickAsync();
            await page.GetByTestId("suffix").FillAsync("held");
            await page.GetByTestId("create-job").ClickAsync();
            await page.WaitForURLAsync(JobPageUrl());

            await Assertions.Expect(page.Locator("[data-testid=job-status][data-status=uploading]")).ToBeVisibleAsync();
            await Assertions.Expect(page.Locator("[data-testid=timeline-uploading][data-state=current]")).ToBeVisibleAsync();
            await Assertions.Expect(page.GetByTestId("job-upload")).ToContainTextAsync($"{dataset.Name}: 0 KB of 6");
            await Assertions.Expect(page.GetByTestId("job-upload-progress")).ToHaveAttributeAsync("data-percent", "0");

            // Live, with no reload: the provider answered and the Worker created the job there.
            await Assertions.Expect(page.Locator("[data-testid=timeline-uploading][data-state=done]")).ToBeVisibleAsync(new() { Timeout = 60_000 });
            await Assertions.Expect(page.GetByTestId("job-upload")).ToHaveCountAsync(0);
        }
        finally
        {
            await provider.DeleteAsync("/admin/faults");
        }
    }

    // An update can be lost while the page's connection stays up (the Worker died between saving events and
    // publishing them, or the publish failed): the next update shows the hole, and the page reads it from the Api.
    [Fact]
    public async Task An_open_job_page_fills_the_hole_a_lost_update_left_and_shows_every_event_once_in_order()
    {
        var dataset = await fixture.UploadCapitalsAsync("browser-lost-update.jsonl");
        using var api = fixture.CreateApiClient();
        // Long enough to still be running, whatever the machine's load, when the update is lost.
        var job = await fixture.StartJobAsync(dataset.Id, "hole", epochs: 20);
        var page = await _browser.NewSignedInPageAsync();
        await page.GoToInteractivePageAsync($"/jobs/{job.Id}");
        await AppHostFixture.WaitForAsync(async () => await page.Locator("[data-testid=job-event]").CountAsync() >= 5, "live events on the job page");
        // Training, so the Worker has created it on the provider.
        var providerJobId = (await api.GetFromJsonAsync<FineTuneJob>($"/api/jobs/{job.Id}", FineTuneJson.Options))!.ProviderJobId!;

        // The lost update: the provider's newest events are stored as the Worker stores them, and nobody is told.
        await using var redis = await ConnectionMultiplexer.ConnectAsync((await fixture.App.GetConnectionStringAsync("redis"))!);
        var store = new JobStore(redis);
        var provider = new FineTuningProvider(new ProviderOptions { Endpoint = $"{fixture.App.GetEndpoint("localprovider", "http")}v1", ApiKey = "local" });
        IReadOnlyList<JobEvent> lost = [];
        await AppHostFixture.WaitForAsync(async () => (lost = await store.AppendEventsAsync(job.Id,
            await provider.GetEventsSinceAsync(providerJobId, await store.LastEventIdAsync(job.Id), default))).Count > 0, "events the Worker has not stored yet");

        // The Worker's next update shows the hole, and the page reads it from the Api.
        await page.Mouse.MoveAsync(0, 0);
        await AppHostFixture.WaitForAsync(async () => (await page.JobEventIdsAsync()).Contains(lost[^1].Id), "the lost events on the job page");
        await Assertions.Expect(page.Locator("[data-testid=job-status][data-status=succeeded]")).ToBeVisibleAsync(new() { Timeout = 360_000 });
        await WaitForSameHistoryAsync(job.Id, page);
        var shown = await page.JobEventIdsAsync();
        Assert.Equal(shown.Count, shown.Distinct().Count());
        Assert.Subset(shown.ToHashSet(), lost.Select(e => e.Id).ToHashSet());
        // The stored history is the provider's, event for event.
        var history = (await store.GetEventsAsync(job.Id, null, 100_000)).Data;
        var providerEvents = await provider.GetEventsSinceAsync(providerJobId, null, default);
        Assert.Equal(providerEvents.Select(e => e.Id), history.Select(e => e.Id));
    }

    [Fact]
    public async Task The_playground_streams_an_answer_from_the_fine_tuned_model_beside_the_base_model()
    {
        var dataset = await fixture.UploadCapitalsAsync("browser-playground.jsonl");
        var job = await fixture.TrainAsync(dataset.Id, "play");
        var page = await _browser.NewSignedInPageAsync();

        await page.GoToInteractivePageAsync($"/playground?a=gpt-4.1-mini&b={Uri.EscapeDataString(job.FineTunedModel!)}");
        await page.Locator("textarea[data-testid=playground-input], [data-testid=playground-input] textarea").First.FillAsync("What is the capital of France?");
        await page.GetByTestId("playground-send").ClickAsync();

        var answerB = page.GetByTestId("playground-answer-b");
        await Assertions.Expect(answerB).Not.ToBeEmptyAsync();
        await Assertions.Expect(page.Locator("[data-testid=playground-answer-b][data-streaming=false]")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("[data-testid=playground-answer-a][data-streaming=false]")).ToContainTextAsync("[local base model");
        // The fine-tuned model learned the training data's answer to this very question.
        await Assertions.Expect(answerB).ToHaveTextAsync(TrainingAnswer("capitals-train.jsonl", "What is the capital of France?"));
    }

    [Fact]
    public async Task Rerun_a_succeeded_job_on_another_connection_from_its_page_after_a_preview_and_land_on_the_new_job_linking_back()
    {
        var dataset = await fixture.UploadCapitalsAsync("browser-rerun.jsonl");
        var original = await fixture.TrainAsync(dataset.Id, "rerun-me");
        using var api = fixture.CreateApiClient();
        var created = await api.PostAsJsonAsync("/api/connections", new ProviderConnectionRequest($"Rerun target {Guid.NewGuid():N}"[..21],
            ProviderConnectionKind.Local, new Uri(fixture.App.GetEndpoint("localprovider", "http"), "v1").ToString(), "sk-rerun"), FineTuneJson.Options);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var target = (await created.Content.ReadFromJsonAsync<ProviderConnection>(FineTuneJson.Options))!;
        var page = await _browser.NewSignedInPageAsync();

        await page.GoToInteractivePageAsync($"/jobs/{original.Id}");
        await page.GetByTestId("job-rerun-open").ClickAsync();
        await page.GetByTestId("rerun-connection").ClickAsync();
        await page.GetByRole(AriaRole.Option, new() { Name = target.Name }).ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=rerun-differences] tr[data-field=connection]")).ToContainTextAsync(target.Name);
        await Assertions.Expect(page.GetByTestId("rerun-problems")).ToHaveCountAsync(0);
        await page.GetByTestId("rerun-start").ClickAsync();

        await page.WaitForURLAsync(url => JobPageUrl().IsMatch(url) && !url.EndsWith(original.Id, StringComparison.Ordinal));
        await Assertions.Expect(page.GetByTestId("job-rerun-original")).ToHaveTextAsync($"job {original.Id}");
        var rerunId = page.Url[(page.Url.LastIndexOf('/') + 1)..];
        var rerun = (await api.GetFromJsonAsync<FineTuneJob>($"/api/jobs/{rerunId}", FineTuneJson.Options))!;
        Assert.Equal((original.Id, target.Id, dataset.Id, 5), (rerun.RerunOf, rerun.ConnectionId, rerun.TrainingDatasetId, rerun.Seed));

        // Once it has trained, one click compares it with the original: the original's model is the baseline, on every item.
        await AppHostFixture.WaitForAsync(async () =>
            (rerun = (await api.GetFromJsonAsync<FineTuneJob>($"/api/jobs/{rerunId}", FineTuneJson.Options))!).Status == JobStatus.Succeeded, "the re-run to succeed");
        await page.GetByTestId("job-compare-original").ClickAsync(new() { Timeout = 60_000 });
        await page.WaitForURLAsync(url => url.Contains("/compare?runs=", StringComparison.Ordinal));
        await Assertions.Expect(page.Locator("[data-testid=compare-run][data-status=completed]")).ToHaveCountAsync(2, new() { Timeout = 90_000 });
        await Assertions.Expect(page.GetByTestId("compare-partial")).ToHaveCountAsync(0);
        await Assertions.Expect(page.GetByTestId("compare-run").First).ToContainTextAsync(original.FineTunedModel!);
        await Assertions.Expect(page.GetByTestId("compare-run").Last).ToContainTextAsync(rerun.FineTunedModel!);
        var compared = 0;
        foreach (var outcome in new[] { "compare-improved", "compare-regressed", "compare-unchanged" })
            compared += int.Parse((await page.GetByTestId(outcome).InnerTextAsync()).Split(' ')[0], CultureInfo.InvariantCulture);
        Assert.Equal(dataset.Report.ExampleCount, compared);
    }

    private async Task WaitForSameHistoryAsync(string jobId, params IPage[] pages)
    {
        using var api = fixture.CreateApiClient();
        List<string> expected = [];
        var shown = new IReadOnlyList<string>[pages.Length];
        // The event log holds still under the pointer; keep the pointer away from it.
        foreach (var page in pages) await page.Mouse.MoveAsync(0, 0);
        for (var attempt = 0; attempt < 60; attempt++)
        {
            var history = (await api.GetFromJsonAsync<JobEventPage>($"/api/jobs/{jobId}/events?limit=10000", FineTuneJson.Options))!;
            expected = history.Data.Select(e => e.Id).ToList();
            for (var i = 0; i < pages.Length; i++) shown[i] = await pages[i].JobEventIdsAsync();
            if (shown.All(ids => ids.SequenceEqual(expected))) return;
            await Task.Delay(500);
        }
        Assert.Fail($"The pages do not show the stored history: api {expected.Count}, pages {string.Join(", ", shown.Select(ids => ids.Count))} events.");
    }


    private static string TrainingAnswer(string sample, string question) =>
        File.ReadLines(AppHostFixture.Sample(sample))
            .Select(line => JsonDocument.Parse(line).RootElement.GetProperty("messages"))
            .Where(messages => messages.EnumerateArray().Any(m => m.GetProperty("role").GetString() == "user" && m.GetProperty("content").GetString() == question))
            .Select(messages => messages.EnumerateArray().Last().GetProperty("content").GetString()!)
            .First();

    [GeneratedRegex("/jobs/job_[0-9a-f]+$")]
    private static partial Regex JobPageUrl();

    public async Task DisposeAsync() => await _browser.DisposeAsync();
}
