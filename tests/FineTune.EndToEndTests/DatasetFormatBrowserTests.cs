using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Xunit.Abstractions;

namespace FineTune.EndToEndTests;

// A ShareGPT file uploaded through the form (its format detected), then the dataset exported as ShareGPT from the page's
// "Export as" menu, which first says what each format leaves out.
[Collection(AppHostCollection.Name)]
public sealed partial class DatasetFormatBrowserTests(AppHostFixture fixture, ITestOutputHelper output) : IAsyncLifetime
{
    private Browser _browser = null!;
    private IPage _page = null!;

    public async Task InitializeAsync()
    {
        _browser = await Browser.LaunchAsync(fixture.WebAddress, output, nameof(DatasetFormatBrowserTests));
        _page = await _browser.NewSignedInPageAsync();
    }

    [Fact]
    public async Task A_sharegpt_upload_is_converted_and_the_dataset_exports_as_sharegpt_after_the_menu_counts_what_each_format_holds()
    {
        var lines = Enumerable.Range(1, 12).Select(i => i == 12
            ? """{"conversations":[{"from":"human","value":"1"},{"from":"gpt","value":"a"},{"from":"human","value":"2"},{"from":"gpt","value":"b"}]}"""
            : $$"""{"conversations":[{"from":"system","value":"Be brief."},{"from":"human","value":"Capital {{i}}? 東京"},{"from":"gpt","value":"City {{i}}."}]}""")
            .ToList();
        await _page.GoToInteractivePageAsync("/datasets");
        await _page.GetByText("No datasets yet").Or(_page.GetByTestId("dataset-row")).First.WaitForAsync();
        var chooser = await _page.RunAndWaitForFileChooserAsync(() => _page.GetByTestId("dataset-upload").ClickAsync());
        await chooser.SetFilesAsync(new FilePayload
        {
            Name = "chats.jsonl",
            MimeType = "application/octet-stream",
            Buffer = Encoding.UTF8.GetBytes(string.Join("\n", lines) + "\n"),
        });

        await _page.WaitForURLAsync(DatasetPageUrl());
        await Assertions.Expect(_page.GetByTestId("dataset-status")).ToHaveTextAsync("valid");
        await Assertions.Expect(_page.GetByTestId("dataset-import")).ToContainTextAsync("Imported from ShareGPT (detected): 12 of 12 examples.");

        await _page.GetByTestId("dataset-export").ClickAsync();
        var alpaca = _page.Locator("[data-testid=dataset-export-format][data-format=alpaca]");
        await Assertions.Expect(alpaca.GetByTestId("dataset-export-note"))
            .ToHaveTextAsync("11 of 12 examples; 1 cannot be represented (first: line 12: Alpaca holds one user turn; this example has 2)");
        var shareGpt = _page.Locator("[data-testid=dataset-export-format][data-format=sharegpt]");
        await Assertions.Expect(shareGpt.GetByTestId("dataset-export-note")).ToHaveTextAsync("all 12 examples");

        var download = await _page.RunAndWaitForDownloadAsync(() => shareGpt.ClickAsync());

        Assert.Equal("chats.sharegpt.jsonl", download.SuggestedFilename);
        Assert.Equal(lines, (await File.ReadAllLinesAsync((await download.PathAsync())!)).ToList());
    }

    [GeneratedRegex(@"/datasets/ds_[0-9a-f]+$")]
    private static partial Regex DatasetPageUrl();

    public async Task DisposeAsync() => await _browser.DisposeAsync();
}
