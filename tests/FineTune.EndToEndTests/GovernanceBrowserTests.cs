using System.Net;
using System.Net.Http.Json;
using Microsoft.Playwright;
using Xunit.Abstractions;

namespace FineTune.EndToEndTests;

// Budgets and approvals in the browser, against the real AppHost: an owner approves a job that waits
// over the workspace's budget, on its page, and the bell in the app bar tells of its end without a reload.
[Collection(AppHostCollection.Name)]
public sealed class GovernanceBrowserTests(AppHostFixture fixture, ITestOutputHelper output) : IAsyncLifetime
{
    private Browser _browser = null!;

    public async Task InitializeAsync() => _browser = await Browser.LaunchAsync(fixture.WebAddress, output, nameof(GovernanceBrowserTests));

    [Fact]
    public async Task An_owner_approves_a_job_waiting_over_budget_on_its_page_and_the_bell_shows_its_end_live()
    {
        using var api = fixture.CreateApiClient();
        // A workspace of its own, so its budget holds up no other test's jobs.
        var created = await api.PostAsJsonAsync("/api/workspaces", new { name = $"Budgeted {Guid.NewGuid():N}"[..20] });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var workspace = (await created.Content.ReadFromJsonAsync<WorkspaceMembership>(FineTuneJson.Options))!;
        api.DefaultRequestHeaders.Add("FineTune-Workspace", workspace.Id);
        var budget = await api.PutAsJsonAsync($"/api/workspaces/{workspace.Id}/settings", new { monthlyTokenBudget = 1 });
        Assert.Equal(HttpStatusCode.OK, budget.StatusCode);

        using var content = new StreamContent(File.OpenRead(AppHostFixture.Sample("capitals-train.jsonl")));
        var uploaded = await api.PostAsync("/api/datasets?name=budgeted.jsonl", content);
        Assert.Equal(HttpStatusCode.Created, uploaded.StatusCode);
        var dataset = (await uploaded.Content.ReadFromJsonAsync<DatasetRecord>(FineTuneJson.Options))!;
        var launched = await api.PostAsJsonAsync("/api/jobs", new CreateJobRequest(dataset.Id, "gpt-4.1-mini", Suffix: "approved",
            Method: new JobMethod("supervised", new JobHyperparameters(NEpochs: 1))), FineTuneJson.Options);
        Assert.Equal(HttpStatusCode.Accepted, launched.StatusCode);
        var job = (await launched.Content.ReadFromJsonAsync<FineTuneJob>(FineTuneJson.Options))!;

        var page = await _browser.NewSignedInPageAsync();
        await page.GoToInteractivePageAsync($"/jobs/{job.Id}");
        await Assertions.Expect(page.Locator("[data-testid=job-status][data-status=pending_approval]")).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByTestId("job-pending-approval")).ToContainTextAsync("monthly budget of 1 training tokens");

        await page.GetByTestId("job-approve").ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Yes, approve" }).ClickAsync();
        await Assertions.Expect(page.GetByTestId("job-pending-approval")).Not.ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("[data-testid=job-status][data-status=succeeded]")).ToBeVisibleAsync(new() { Timeout = 240_000 });

        // The bell read its list when the page opened, before the job finished: the notification came live.
        await page.GetByTestId("notification-bell").ClickAsync();
        await Assertions.Expect(page.Locator($"[data-testid=notification][data-job-id={job.Id}][data-kind='job.succeeded']")).ToBeVisibleAsync();
        await page.Locator($"[data-testid=notification][data-job-id={job.Id}]").ClickAsync();
        await page.WaitForURLAsync(url => url.EndsWith($"/jobs/{job.Id}", StringComparison.Ordinal));

        // In that workspace, the audit page says it waited and was approved, and the settings show its usage.
        await page.GoToInteractivePageAsync($"/workspaces/switch/{workspace.Id}?returnUrl=%2Faudit");
        await Assertions.Expect(page.Locator($"[data-testid=audit-row][data-action='job.approved'][data-target-id={job.Id}]")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator($"[data-testid=audit-row][data-action='job.pending_approval'][data-target-id={job.Id}]")).ToBeVisibleAsync();
        await page.GoToInteractivePageAsync("/settings");
        await Assertions.Expect(page.GetByTestId("budget-tokens")).ToHaveValueAsync("1");
        await Assertions.Expect(page.Locator("[data-testid=usage-tokens]:not([data-used='0'])")).ToBeVisibleAsync();
    }

    public async Task DisposeAsync() => await _browser.DisposeAsync();
}
