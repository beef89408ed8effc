using Microsoft.Playwright;
using Xunit.Abstractions;

namespace FineTune.EndToEndTests;

// The Models page against the real AppHost: a model a job trained, counting down to the model table's shutdown of
// gpt-4.1-mini (2027-01-14), and the job page's banner while it is retiring.
[Collection(AppHostCollection.Name)]
public sealed class ModelBrowserTests(AppHostFixture fixture, ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly DateOnly Shutdown = new(2027, 1, 14);
    private Browser _browser = null!;

    public async Task InitializeAsync() => _browser = await Browser.LaunchAsync(fixture.WebAddress, output, nameof(ModelBrowserTests));

    [Fact]
    public async Task The_models_page_counts_down_to_a_trained_models_shutdown_and_its_job_page_warns_while_it_retires()
    {
        var dataset = await fixture.UploadCapitalsAsync($"browser-models-{Guid.NewGuid():N}"[..22] + ".jsonl");
        var job = await fixture.TrainAsync(dataset.Id, "inventory", epochs: 1);
        var daysLeft = Shutdown.DayNumber - DateOnly.FromDateTime(DateTime.UtcNow).DayNumber;
        var status = ModelStatus.Of(daysLeft);

        var page = await _browser.NewSignedInPageAsync();
        await page.GoToInteractivePageAsync("/jobs");
        await page.GetByRole(AriaRole.Link, new() { Name = "Models" }).ClickAsync();
        await page.WaitForURLAsync(url => url.EndsWith("/models", StringComparison.Ordinal));

        var row = page.Locator($"[data-testid=model-row][data-model='{job.FineTunedModel}']");
        await Assertions.Expect(row).ToBeVisibleAsync(new() { Timeout = 30_000 });
        await Assertions.Expect(row.GetByRole(AriaRole.Rowheader)).ToHaveTextAsync(job.FineTunedModel!);
        await Assertions.Expect(row.GetByTestId("model-shutdown")).ToHaveTextAsync("2027-01-14");
        await Assertions.Expect(row.GetByTestId("model-countdown")).ToHaveTextAsync($"{daysLeft} days left");
        await Assertions.Expect(row.GetByTestId("model-countdown")).ToHaveAttributeAsync("data-status", status);
        await Assertions.Expect(row.GetByTestId("model-status")).ToHaveTextAsync(status);
        await Assertions.Expect(row.GetByRole(AriaRole.Link, new() { Name = job.Id })).ToHaveAttributeAsync("href", $"/jobs/{job.Id}");
        await Assertions.Expect(row.GetByRole(AriaRole.Link, new() { Name = dataset.Id })).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Columnheader, new() { Name = "Days left" })).ToBeVisibleAsync();
        await page.ScreenshotAsync(new() { Path = Path.Combine(Path.GetTempPath(), "finetune-models-page.png"), FullPage = true });

        await page.GoToInteractivePageAsync($"/jobs/{job.Id}");
        var banner = page.Locator($"[data-testid=retiring-model-banner][data-model='{job.FineTunedModel}']");
        if (status == ModelStatus.Retiring) await Assertions.Expect(banner).ToContainTextAsync($"shuts down on 2027-01-14, in {daysLeft} days");
        else await Assertions.Expect(banner).ToHaveCountAsync(status == ModelStatus.Retired ? 1 : 0);
    }

    public async Task DisposeAsync() => await _browser.DisposeAsync();
}
