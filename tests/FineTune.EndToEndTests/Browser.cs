using Deque.AxeCore.Commons;
using Deque.AxeCore.Playwright;
using Microsoft.Playwright;
using Xunit.Abstractions;

namespace FineTune.EndToEndTests;

// Debian's Chromium driven by Playwright (it cannot download its own browsers here), pointed at the
// running Web. One per test class; every page it opened is screenshotted when it closes, which is
// the quickest way to see why a browser test failed, and the last page is checked with axe-core then.
public sealed class Browser : IAsyncDisposable
{
    public const string ChromiumPath = "/usr/bin/chromium";

    private readonly IPlaywright _playwright;
    private readonly IBrowser _chromium;
    private readonly Uri _webAddress;
    private readonly ITestOutputHelper _output;
    private readonly string _name;
    private bool _disposed;

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

    // Tests that stop the AppHost close their browser first; their class's DisposeAsync then calls this again.
    public async ValueTask DisposeAsync()
    {
        if (_disposed) return;
        _disposed = true;
        var pages = _chromium.Contexts.SelectMany(context => context.Pages).ToList();
        try
        {
            for (var i = 0; i < pages.Count; i++)
            {
                await pages[i].ScreenshotAsync(new() { Path = Path.Combine(Path.GetTempPath(), $"finetune-{_name}-{i}.png"), FullPage = true });
            }
            // The state a test ends in (a dialog open, a job finished) is one no GoToInteractivePageAsync saw.
            if (pages.Count > 0 && pages[^1].Url.StartsWith(_webAddress.ToString(), StringComparison.Ordinal))
            {
                await Accessibility.AssertNoViolationsAsync(pages[^1]);
            }
        }
        finally
        {
            await _chromium.DisposeAsync();
            _playwright.Dispose();
        }
    }
}

// axe-core's WCAG 2.0 and 2.1 A and AA rules, run in the page as it is.
public static class Accessibility
{
    private static readonly AxeRunOptions Options = new()
    {
        RunOnly = new RunOnlyOptions { Type = "tag", Values = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] },
    };

    // MudBlazor's snackbars fade in and out over other content: axe would measure the contrast of half-transparent text.
    private static readonly AxeRunContext Context = new() { Exclude = [new AxeSelector(".mud-snackbar")] };

    // Colour contrast is measured on what is painted: a ripple or a fade caught halfway reads as low contrast.
    private const string StillStyle = "*, *::before, *::after { transition: none !important; animation: none !important; }";

    public static async Task<IReadOnlyList<AxeResultItem>> ViolationsAsync(IPage page)
    {
        await page.AddStyleTagAsync(new() { Content = StillStyle });
        await page.EvaluateAsync("() => document.getAnimations().forEach(animation => animation.finish())");
        var result = await page.RunAxe(Context, Options);
        return result.Violations;
    }

    public static async Task AssertNoViolationsAsync(IPage page)
    {
        var violations = await ViolationsAsync(page);
        Assert.True(violations.Count == 0, $"axe-core found {violations.Count} WCAG violation(s) on {page.Url}:\n" + Describe(violations));
    }

    private static string Describe(IEnumerable<AxeResultItem> violations) => string.Join("\n", violations.Select(violation =>
        $"- {violation.Id} ({violation.Impact}): {violation.Help}\n" +
        string.Join("\n", violation.Nodes.Select(node => $"    {node.Target}: {node.Html}"))));
}

public static class PageExtensions
{
    // The ids of the events a job page's log shows, top to bottom.
    public static async Task<IReadOnlyList<string>> JobEventIdsAsync(this IPage page) =>
        await page.EvaluateAsync<string[]>("() => [...document.querySelectorAll('[data-testid=job-event]')].map(e => e.dataset.eventId)");

    // Input given before the Blazor circuit connects is lost, so tests wait for the layout's marker.
    // Every page a test visits is checked with axe-core as it first shows.
    public static async Task GoToInteractivePageAsync(this IPage page, string path)
    {
        await page.GotoAsync(path);
        await page.Locator("[data-testid=render-mode][data-interactive=true]").WaitForAsync(new() { State = WaitForSelectorState.Attached });
        await Accessibility.AssertNoViolationsAsync(page);
    }
}
