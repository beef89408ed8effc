using System.IO.Compression;
using Microsoft.Playwright;
using Xunit.Abstractions;

namespace FineTune.EndToEndTests;

// Download a job's and a dataset's bundle from their pages, and import the job's on the Jobs page: it lands on the
// imported job, with its history, against the real AppHost.
[Collection(AppHostCollection.Name)]
public sealed class BundleBrowserTests(AppHostFixture fixture, ITestOutputHelper output) : IAsyncLifetime
{
    private readonly string _directory = Directory.CreateTempSubdirectory("finetune-bundles-").FullName;
    private Browser _browser = null!;

    public async Task InitializeAsync() => _browser = await Browser.LaunchAsync(fixture.WebAddress, output, nameof(BundleBrowserTests));

    [Fact]
    public async Task Download_a_jobs_bundle_and_a_datasets_then_import_the_jobs_and_land_on_the_imported_job()
    {
        var dataset = await fixture.UploadCapitalsAsync($"browser-bundle-{Guid.NewGuid():N}"[..22] + ".jsonl");
        var job = await fixture.TrainAsync(dataset.Id, "bundled", epochs: 1);
        var page = await _browser.NewSignedInPageAsync();

        await page.GoToInteractivePageAsync($"/datasets/{dataset.Id}");
        var datasetBundle = await DownloadAsync(page);
        Assert.Equal((BundleManifest.DatasetKind, dataset.Sha256), (datasetBundle.Kind, Assert.Single(datasetBundle.Datasets).Sha256));

        await page.GoToInteractivePageAsync($"/jobs/{job.Id}");
        await Assertions.Expect(page.Locator("[data-testid=job-status][data-status=succeeded]")).ToBeVisibleAsync();
        var jobBundle = await DownloadAsync(page);
        Assert.Equal((job.Id, job.FineTunedModel), (jobBundle.Job!.Id, jobBundle.Job.FineTunedModel));

        await page.GoToInteractivePageAsync("/jobs");
        var chooser = await page.RunAndWaitForFileChooserAsync(() => page.GetByTestId("bundle-import").ClickAsync());
        await chooser.SetFilesAsync(Path.Combine(_directory, "bundle.zip"));
        await page.WaitForURLAsync(url => url.Contains("/jobs/job_", StringComparison.Ordinal) && !url.EndsWith(job.Id, StringComparison.Ordinal));
        await Assertions.Expect(page.Locator("[data-testid=job-status][data-status=succeeded]")).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByTestId("fine-tuned-model")).ToHaveTextAsync(job.FineTunedModel!);
        await Assertions.Expect(page.GetByTestId("loss-chart")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("[data-testid=job-event][data-event-type=metrics]").First).ToBeVisibleAsync();
    }

    // Clicks the page's "Download bundle", keeps the file as bundle.zip and checks every hash in it.
    private async Task<BundleManifest> DownloadAsync(IPage page)
    {
        var download = await page.RunAndWaitForDownloadAsync(() => page.GetByTestId("bundle-download").ClickAsync());
        var path = Path.Combine(_directory, "bundle.zip");
        await download.SaveAsAsync(path);
        await using var file = File.OpenRead(path);
        using var zip = new ZipArchive(file, ZipArchiveMode.Read);
        var inspection = await BundleInspector.InspectAsync(zip, CancellationToken.None);
        Assert.True(inspection.IsSound, string.Join("\n", inspection.Problems));
        return inspection.Manifest!;
    }

    public async Task DisposeAsync() => await _browser.DisposeAsync();
}
