using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Xunit.Abstractions;

namespace FineTune.EndToEndTests;

[Collection(AppHostCollection.Name)]
public sealed partial class BrowserTests(AppHostFixture fixture, ITestOutputHelper output) : IAsyncLifetime
{
    private Browser _browser = null!;
    private IPage _page = null!;

    public async Task InitializeAsync()
    {
        _browser = await Browser.LaunchAsync(fixture.WebAddress, output, nameof(BrowserTests));
        _page = await _browser.NewSignedInPageAsync();
    }

    [Fact]
    public async Task Log_in_upload_create_a_job_and_watch_it_succeed_live_without_a_reload()
    {
        await _page.GoToInteractivePageAsync("/datasets");
        // Once the list has loaded, the page's own first interactive render (and so the file input's
        // script) is done; a file given earlier would be dropped. The chooser is what a user clicks.
        await _page.GetByText("No datasets yet").Or(_page.GetByTestId("dataset-row")).First.WaitForAsync();
        var chooser = await _page.RunAndWaitForFileChooserAsync(() => _page.GetByTestId("dataset-upload").ClickAsync());
        await chooser.SetFilesAsync(AppHostFixture.Sample("capitals-train.jsonl"));
        await Assertions.Expect(_page.GetByTestId("dataset-status")).ToHaveTextAsync("valid");

        await _page.GoToInteractivePageAsync("/jobs");
        await _page.GetByTestId("training-dataset").ClickAsync();
        await _page.GetByRole(AriaRole.Option, new() { Name = "capitals-train.jsonl" }).First.ClickAsync();
        await _page.GetByTestId("suffix").FillAsync("browser");
        await _page.GetByTestId("create-job").ClickAsync();
        // Creating uploads the dataset to the provider first: on a loaded two-core machine that has
        // been seen to take longer than the default timeout.
        await _page.WaitForURLAsync(JobPageUrl(), new() { Timeout = 90_000 });

        // A marker that only survives if the page is never reloaded.
        await _page.EvaluateAsync("() => window.__finetuneMarker = 'still here'");
        var eventsAtStart = await _page.GetByTestId("job-event").CountAsync();

        await Assertions.Expect(_page.Locator("[data-testid=job-status][data-status=succeeded]"))
            .ToBeVisibleAsync(new() { Timeout = 180_000 });

        Assert.True(await _page.GetByTestId("job-event").CountAsync() > eventsAtStart, "No event appeared live on the job page.");
        await Assertions.Expect(_page.GetByTestId("fine-tuned-model")).ToHaveTextAsync(new Regex("^ft:gpt-4.1-mini:.*:browser:"));
        Assert.Equal("still here", await _page.EvaluateAsync<string>("() => window.__finetuneMarker"));
    }

    [GeneratedRegex("/jobs/job_[0-9a-f]+$")]
    private static partial Regex JobPageUrl();

    public async Task DisposeAsync() => await _browser.DisposeAsync();
}
