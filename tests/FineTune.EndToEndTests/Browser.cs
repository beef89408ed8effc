using Microsoft.Playwright;
using Xunit.Abstractions;

namespace FineTune.EndToEndTests;

// Debian's Chromium driven by Playwright (it cannot download its own browsers here), pointed at the
// running Web. One per test class; every page it opened is screenshotted when it closes, which is
// the quickest way to see why a browser test failed.
public sealed class Browser : IAsyncDisposable
{
    public const string ChromiumPath = "/usr/bin/chromium";

    private readonly IPlaywright _playwright;
    private readonly IBrowser _chromium;
    private readonly Uri _webAddress;
    private readonly ITestOutputHelper _output;
    private readonly string _name;

    private Browser(IPlaywright playwright, IBrowser chromium, Uri webAddress, ITestOutputHelper output, string name)
    {
        _playwright = playwright;
        _chromium = chromium;
        _webAddress = webAddress;
        _output = output;
        _name = name;
    }

    public static async Task<Browser> LaunchAsync(Uri webAddress, ITestOutputHelper output, string name)
    {
        if (!File.Exists(ChromiumPath))
            throw new InvalidOperationException($"{ChromiumPath} is missing: apt-get install chromium (.ci/run does).");
        var playwright = await Playwright.CreateAsync();
        var chromium = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            // Without these Chromium keeps dialling Google's hosts, which this network refuses.
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
        });
        // The first requests after start-up JIT every service on two cores: allow for it.
        Assertions.SetDefaultExpectTimeout(30_000);
        return new Browser(playwright, chromium, webAddress, output, name);
    }

    // A page in a context of its own (its own cookies), signed in with the admin token.
    public async Task<IPage> NewSignedInPageAsync()
    {
        var page = await NewPageAsync();
        await page.GotoAsync("/login");
        await page.GetByTestId("login-token").FillAsync(AppHostFixture.AdminToken);
        await page.GetByTestId("login-submit").ClickAsync();
        await page.WaitForURLAsync(url => !url.Contains("/login"));
        return page;
    }

    // A page in a context of its own (its own cookies), not signed in: another person at another browser.
    public async Task<IPage> NewPageAsync()
    {
        var context = await _chromium.NewContextAsync(new BrowserNewContextOptions { BaseURL = _webAddress.ToString() });
        context.SetDefaultTimeout(30_000);
        var page = await context.NewPageAsync();
        page.Console += (_, message) => _output.WriteLine($"browser {message.Type}: {message.Text}");
        return page;
    }

    public async ValueTask DisposeAsync()
    {
        var pages = _chromium.Contexts.SelectMany(context => context.Pages).ToList();
        for (var i = 0; i < pages.Count; i++)
        {
            await pages[i].ScreenshotAsync(new() { Path = Path.Combine(Path.GetTempPath(), $"finetune-{_name}-{i}.png"), FullPage = true });
        }
        await _chromium.DisposeAsync();
        _playwright.Dispose();
    }
}

public static class PageExtensions
{
    // The ids of the events a job page's log shows, top to bottom.
    public static async Task<IReadOnlyList<string>> JobEventIdsAsync(this IPage page) =>
        await page.EvaluateAsync<string[]>("() => [...document.querySelectorAll('[data-testid=job-event]')].map(e => e.dataset.eventId)");

    // Input given before the Blazor circuit connects is lost, so tests wait for the layout's marker.
    public static async Task GoToInteractivePageAsync(this IPage page, string path)
    {
        await page.GotoAsync(path);
        await page.Locator("[data-testid=render-mode][data-interactive=true]").WaitForAsync(new() { State = WaitForSelectorState.Attached });
    }
}
