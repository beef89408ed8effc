using Microsoft.Playwright;
using Xunit.Abstractions;

namespace FineTune.EndToEndTests;

// axe-core's WCAG 2.0 and 2.1 A and AA rules on every page of the console, in each state it has: signed out, empty, with
// data, with errors, a job running and finished, menus and dialogs open. GoToInteractivePageAsync checks each page as it
// first shows; these tests check again once it has loaded what it shows. The console has one (light) theme.
[Collection(AppHostCollection.Name)]
public sealed class AccessibilityBrowserTests(AppHostFixture fixture, ITestOutputHelper output) : IAsyncLifetime
{
    // The pages of the app bar and its menus, each of which starts with a list or form loading.
    private static readonly string[] SignedInPages =
        ["/datasets", "/jobs", "/jobs/compare", "/evals", "/models", "/connections", "/audit", "/settings", "/members", "/account/tokens", "/playground"];

    private Browser _browser = null!;

    public async Task InitializeAsync() => _browser = await Browser.LaunchAsync(fixture.WebAddress, output, nameof(AccessibilityBrowserTests));

    [Fact]
    public async Task The_sign_in_and_register_pages_have_no_violations_also_after_a_failed_sign_in()
    {
        var page = await _browser.NewPageAsync();
        foreach (var path in new[] { "/login", "/register" })
        {
            await page.GotoAsync(path);
            await Accessibility.AssertNoViolationsAsync(page);
        }

        await page.GotoAsync("/login");
        await page.GetByTestId("login-token").FillAsync("not a token");
        await page.GetByTestId("login-submit").ClickAsync();
        await Assertions.Expect(page.GetByTestId("login-error")).ToBeVisibleAsync();
        await Accessibility.AssertNoViolationsAsync(page);
    }

    [Fact]
    public async Task Every_signed_in_page_has_no_violations_in_an_empty_workspace_and_in_one_with_data()
    {
        var empty = await fixture.CreateWorkspaceAsync($"Empty {Guid.NewGuid():N}"[..14]);
        var page = await _browser.NewSignedInPageAsync();
        await page.GoToInteractivePageAsync($"/workspaces/switch/{empty.Id}?returnUrl=%2Fdatasets");
        await VisitAllAsync(page);

        var dataset = await fixture.UploadCapitalsAsync("a11y-data.jsonl");
        var job = await fixture.TrainAsync(dataset.Id, "a11y", epochs: 1);
        await page.GoToInteractivePageAsync($"/workspaces/switch/{job.WorkspaceId}?returnUrl=%2Fdatasets");
        await VisitAllAsync(page);
        foreach (var path in new[] { $"/datasets/{dataset.Id}", $"/jobs/compare?ids={job.Id}", $"/playground?a=gpt-4.1-mini&b={Uri.EscapeDataString(job.FineTunedModel!)}" })
        {
            await VisitAsync(page, path);
        }
    }

    [Fact]
    public async Task A_job_page_has_no_violations_while_the_job_runs_and_once_it_has_finished()
    {
        var dataset = await fixture.UploadCapitalsAsync("a11y-running.jsonl");
        // Long enough to be seen running: 5 x 24 steps of 200 ms.
        var job = await fixture.StartJobAsync(dataset.Id, "a11y-live", epochs: 5);
        var page = await _browser.NewSignedInPageAsync();

        await page.GoToInteractivePageAsync($"/jobs/{job.Id}");
        await Assertions.Expect(page.Locator("[data-testid=job-status][data-status=running]")).ToBeVisibleAsync(new() { Timeout = 120_000 });
        await Assertions.Expect(page.GetByTestId("loss-chart")).ToBeVisibleAsync();
        await Accessibility.AssertNoViolationsAsync(page);

        await Assertions.Expect(page.Locator("[data-testid=job-status][data-status=succeeded]")).ToBeVisibleAsync(new() { Timeout = 240_000 });
        await Assertions.Expect(page.GetByTestId("job-results")).ToBeVisibleAsync();
        await Accessibility.AssertNoViolationsAsync(page);
    }

    [Fact]
    public async Task Menus_and_dialogs_have_no_violations_while_open()
    {
        var dataset = await fixture.UploadCapitalsAsync("a11y-dialogs.jsonl");
        var page = await _browser.NewSignedInPageAsync();

        foreach (var menu in new[] { "workspace-switcher", "notification-bell", "user-menu" })
        {
            await page.GoToInteractivePageAsync("/datasets");
            await page.GetByTestId(menu).ClickAsync();
            await Assertions.Expect(page.GetByRole(AriaRole.Menu)).ToBeVisibleAsync();
            await Accessibility.AssertNoViolationsAsync(page);
        }

        await page.GoToInteractivePageAsync("/datasets");
        await page.GetByTestId("workspace-switcher").ClickAsync();
        await page.GetByTestId("create-workspace").ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Dialog)).ToBeVisibleAsync();
        await Accessibility.AssertNoViolationsAsync(page);

        await page.GoToInteractivePageAsync($"/datasets/{dataset.Id}");
        await page.GetByTestId("dataset-delete").ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Dialog)).ToBeVisibleAsync();
        await Accessibility.AssertNoViolationsAsync(page);
    }

    [Fact]
    public async Task Error_states_have_no_violations_a_report_with_errors_its_example_editor_and_a_missing_job()
    {
        var dataset = await fixture.UploadSampleAsync("capitals-with-errors.jsonl", "a11y-errors.jsonl");
        var page = await _browser.NewSignedInPageAsync();

        await page.GoToInteractivePageAsync($"/datasets/{dataset.Id}?line=2");
        await Assertions.Expect(page.GetByTestId("dataset-status")).ToHaveTextAsync("invalid");
        await Assertions.Expect(page.Locator("[data-testid=example][data-line='2'][data-selected=true]")).ToBeVisibleAsync();
        await Accessibility.AssertNoViolationsAsync(page);
        await page.Locator("[data-testid=example][data-line='2']").GetByTestId("example-edit").ClickAsync();
        await Assertions.Expect(page.GetByTestId("example-editor")).ToBeVisibleAsync();
        await Accessibility.AssertNoViolationsAsync(page);

        await page.GoToInteractivePageAsync("/jobs/job_0000000000000000");
        await Assertions.Expect(page.GetByTestId("job-error")).ToBeVisibleAsync();
        await Accessibility.AssertNoViolationsAsync(page);
    }

    private static async Task VisitAllAsync(IPage page)
    {
        foreach (var path in SignedInPages)
        {
            await VisitAsync(page, path);
        }
    }

    // Once a page has loaded what it shows, its progress bars are gone.
    private static async Task VisitAsync(IPage page, string path)
    {
        await page.GoToInteractivePageAsync(path);
        await Assertions.Expect(page.Locator(".mud-main-content .mud-progress-linear")).ToHaveCountAsync(0);
        await Accessibility.AssertNoViolationsAsync(page);
    }

    public async Task DisposeAsync() => await _browser.DisposeAsync();
}
