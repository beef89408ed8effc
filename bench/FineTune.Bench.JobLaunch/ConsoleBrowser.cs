using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace FineTune.Bench.JobLaunch;

// How long after the click on the create-job button the page first showed the job's status, the status `uploading` with
// its progress bar, and a progress above 0 % (ms, the page's own clock); null: never shown (the job was past it first).
// ClickUnixMs is the click's wall-clock time, to compare with what the benchmark sees through the Api.
public sealed record LaunchMarks(long ClickUnixMs, double JobPageMs, double? UploadingMs, double? ProgressMs);

// The console in Debian's Chromium (Playwright cannot download its own browsers here), headless, signed in with a token.
// The times are taken in the page itself: a click listener and a DOM observer set up just before the click, so the
// figures hold no Playwright round trips.
public sealed partial class ConsoleBrowser : IAsyncDisposable
{
    private const string ChromiumPath = "/usr/bin/chromium";

    // Blazor moves to the job page without reloading the document, so what this sets up lives on there.
    private const string WatchScript = """
        () => {
            const marks = window.__jobLaunch = {};
            document.addEventListener('click', e => {
                if (marks.click === undefined && e.target.closest('[data-testid=create-job]')) {
                    marks.click = performance.now();
                    marks.clickUnixMs = Date.now();
                }
            }, true);
            const look = () => {
                if (marks.click === undefined) return;
                const status = document.querySelector('[data-testid=job-status]');
                const progress = document.querySelector('[data-testid=job-upload-progress]');
                if (status && marks.jobPage === undefined) marks.jobPage = performance.now() - marks.click;
                if (status?.dataset.status === 'uploading' && progress && marks.uploading === undefined) marks.uploading = performance.now() - marks.click;
                if (progress && progress.dataset.percent !== '0' && marks.progress === undefined) marks.progress = performance.now() - marks.click;
            };
            new MutationObserver(look).observe(document, { subtree: true, childList: true, attributes: true });
        }
        """;

    private readonly IPlaywright _playwright;
    private readonly IBrowser _chromium;
    private readonly IPage _page;

    private ConsoleBrowser(IPlaywright playwright, IBrowser chromium, IPage page)
    {
        _playwright = playwright;
        _chromium = chromium;
        _page = page;
    }

    public static async Task<ConsoleBrowser> SignInAsync(Uri web, string token)
    {
        var playwright = await Playwright.CreateAsync();
        var chromium = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            // Without these Chromium keeps dialling Google's hosts, which this network refuses.
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
        });
        var context = await chromium.NewContextAsync(new BrowserNewContextOptions { BaseURL = web.ToString() });
        context.SetDefaultTimeout(60_000);
        var page = await context.NewPageAsync();
        await page.GotoAsync("/login");
        await page.GetByTestId("login-token").FillAsync(token);
        await page.GetByTestId("login-submit").ClickAsync();
        await page.WaitForURLAsync(url => !url.Contains("/login", StringComparison.Ordinal));
        return new ConsoleBrowser(playwright, chromium, page);
    }

    // Fills the form as a person would (dataset, suffix, the estimate shown), clicks "Create job" and returns the new
    // job's id once its page shows its status.
    public async Task<string> CreateJobAsync(string datasetName, string suffix)
    {
        await _page.GotoAsync("/jobs");
        // Input given before the Blazor circuit connects is lost.
        await _page.Locator("[data-testid=render-mode][data-interactive=true]").WaitForAsync(new() { State = WaitForSelectorState.Attached });
        await _page.GetByTestId("training-dataset").ClickAsync();
        await _page.GetByRole(AriaRole.Option, new() { Name = datasetName }).First.ClickAsync();
        await _page.GetByTestId("suffix").FillAsync(suffix);
        await _page.GetByTestId("estimate-tokens").WaitForAsync();

        await _page.EvaluateAsync(WatchScript);
        await _page.GetByTestId("create-job").ClickAsync();
        await _page.WaitForURLAsync(JobPageUrl());
        await _page.GetByTestId("job-status").WaitForAsync(new() { State = WaitForSelectorState.Attached });
        return _page.Url.Split('/')[^1];
    }

    public async Task<LaunchMarks> MarksAsync()
    {
        var marks = await _page.EvaluateAsync<JsonElement>("() => window.__jobLaunch ?? null");
        if (marks.ValueKind != JsonValueKind.Object) throw new InvalidOperationException("The job page was loaded anew: the marks set before the click are gone.");
        double? Mark(string name) => marks.TryGetProperty(name, out var value) ? value.GetDouble() : null;
        return new LaunchMarks((long)Mark("clickUnixMs")!.Value, Mark("jobPage")!.Value, Mark("uploading"), Mark("progress"));
    }

    [GeneratedRegex("/jobs/job_[0-9a-f]+$")]
    private static partial Regex JobPageUrl();

    public async ValueTask DisposeAsync()
    {
        await _chromium.DisposeAsync();
        _playwright.Dispose();
    }
}
