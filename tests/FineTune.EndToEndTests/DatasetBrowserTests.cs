using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Xunit.Abstractions;

namespace FineTune.EndToEndTests;

[Collection(AppHostCollection.Name)]
public sealed partial class DatasetBrowserTests(AppHostFixture fixture, ITestOutputHelper output) : IAsyncLifetime
{
    private Browser _browser = null!;
    private IPage _page = null!;

    public async Task InitializeAsync()
    {
        _browser = await Browser.LaunchAsync(fixture.WebAddress, output, nameof(DatasetBrowserTests));
        _page = await _browser.NewSignedInPageAsync();
    }

    [Fact]
    public async Task Upload_a_dataset_with_errors_click_an_error_and_see_the_offending_example()
    {
        await _page.GoToInteractivePageAsync("/datasets");
        // The list shows once the upload script is attached; the file goes to the Web over HTTP, not the circuit.
        await _page.GetByText("No datasets yet").Or(_page.GetByTestId("dataset-row")).First.WaitForAsync();
        var chooser = await _page.RunAndWaitForFileChooserAsync(() => _page.GetByTestId("dataset-upload").ClickAsync());
        await chooser.SetFilesAsync(AppHostFixture.Sample("capitals-with-errors.jsonl"));

        await _page.WaitForURLAsync(DatasetPageUrl());
        await Assertions.Expect(_page.GetByTestId("dataset-status")).ToHaveTextAsync("invalid");
        var lineTwo = _page.Locator("[data-testid=dataset-error][data-line='2']");
        await Assertions.Expect(lineTwo).ToContainTextAsync("invalid_json");

        await lineTwo.GetByTestId("problem-line-link").ClickAsync();

        await _page.WaitForURLAsync(new Regex(@"/datasets/ds_[0-9a-f]+\?line=2$"));
        var example = _page.Locator("[data-testid=example][data-line='2'][data-selected=true]");
        await Assertions.Expect(example).ToBeVisibleAsync();
        await Assertions.Expect(example.GetByTestId("example-raw")).ToContainTextAsync("\"content\": \"Capital of Japan?\"");
        await Assertions.Expect(example).ToContainTextAsync("Not valid JSON");
        await Assertions.Expect(example).ToBeFocusedAsync();
    }

    [Fact]
    public async Task A_dataset_uploaded_for_a_method_is_checked_for_it_and_checked_again_the_report_says_what_was_assumed()
    {
        await _page.GoToInteractivePageAsync("/datasets");
        await _page.GetByText("No datasets yet").Or(_page.GetByTestId("dataset-row")).First.WaitForAsync();
        await _page.GetByTestId("upload-method").ClickAsync();
        await _page.GetByRole(AriaRole.Option, new() { Name = "dpo", Exact = true }).ClickAsync();
        var chooser = await _page.RunAndWaitForFileChooserAsync(() => _page.GetByTestId("dataset-upload").ClickAsync());
        await chooser.SetFilesAsync(AppHostFixture.Sample("capitals-train.jsonl"));

        await _page.WaitForURLAsync(DatasetPageUrl());
        await Assertions.Expect(_page.GetByTestId("dataset-status")).ToHaveTextAsync("invalid");
        await Assertions.Expect(_page.GetByTestId("dataset-method")).ToHaveTextAsync("Method: checked for dpo");
        await Assertions.Expect(_page.Locator("[data-testid=dataset-error][data-line='1']")).ToContainTextAsync("method_mismatch");

        await _page.GetByTestId("dataset-method-choice").ClickAsync();
        await _page.GetByRole(AriaRole.Option, new() { Name = "assume from the lines" }).ClickAsync();

        await Assertions.Expect(_page.GetByTestId("dataset-method"))
            .ToHaveTextAsync("Method: assumed supervised: 24 of 24 lines have messages ending with an assistant message");
        await Assertions.Expect(_page.GetByTestId("dataset-status")).ToHaveTextAsync("valid");
    }

    [Fact]
    public async Task Deleting_a_dataset_asks_first_takes_it_off_the_list_and_is_in_the_audit_log()
    {
        await _page.GoToInteractivePageAsync("/datasets");
        await _page.GetByText("No datasets yet").Or(_page.GetByTestId("dataset-row")).First.WaitForAsync();
        var chooser = await _page.RunAndWaitForFileChooserAsync(() => _page.GetByTestId("dataset-upload").ClickAsync());
        await chooser.SetFilesAsync(AppHostFixture.Sample("capitals-train.jsonl"));
        await _page.WaitForURLAsync(DatasetPageUrl());
        var id = _page.Url[(_page.Url.LastIndexOf('/') + 1)..];

        await _page.GetByTestId("dataset-delete").ClickAsync();
        await _page.GetByRole(AriaRole.Button, new() { Name = "No", Exact = true }).ClickAsync();
        await Assertions.Expect(_page.GetByRole(AriaRole.Dialog)).ToHaveCountAsync(0);
        Assert.EndsWith(id, _page.Url);
        await _page.GetByTestId("dataset-delete").ClickAsync();
        await _page.GetByRole(AriaRole.Button, new() { Name = "Yes, delete" }).ClickAsync();

        await _page.WaitForURLAsync(new Regex("/datasets$"));
        await Assertions.Expect(_page.Locator($"a[href='/datasets/{id}']")).ToHaveCountAsync(0);
        await _page.GoToInteractivePageAsync("/audit");
        await Assertions.Expect(_page.Locator($"[data-testid=audit-row][data-action='dataset.deleted'][data-target-id='{id}']")).ToBeVisibleAsync();
    }

    [GeneratedRegex(@"/datasets/ds_[0-9a-f]+$")]
    private static partial Regex DatasetPageUrl();

    public async Task DisposeAsync() => await _browser.DisposeAsync();
}
