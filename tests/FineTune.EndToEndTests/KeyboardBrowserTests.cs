using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Xunit.Abstractions;

namespace FineTune.EndToEndTests;

// The console's main flows with the keyboard alone (Tab, arrows, Enter, typing: no clicks), each control drawing a visible
// focus when it is reached.
[Collection(AppHostCollection.Name)]
public sealed class KeyboardBrowserTests(AppHostFixture fixture, ITestOutputHelper output) : IAsyncLifetime
{
    private Browser _browser = null!;

    public async Task InitializeAsync() => _browser = await Browser.LaunchAsync(fixture.WebAddress, output, nameof(KeyboardBrowserTests));

    [Fact]
    public async Task Sign_in_upload_jump_to_an_error_line_create_a_job_follow_it_and_send_to_both_models_in_the_playground()
    {
        // A workspace of its own, whose one valid dataset is the training set to pick.
        var workspace = await fixture.CreateWorkspaceAsync($"Keys {Guid.NewGuid():N}"[..13]);
        var training = await fixture.UploadSampleAsync("capitals-train.jsonl", "keyboard-train.jsonl", workspace.Id);
        var page = await _browser.NewPageAsync();

        await page.GotoAsync("/login");
        await PressUntilFocusedAsync(page, "Tab", page.GetByTestId("login-token"));
        await page.Keyboard.TypeAsync(AppHostFixture.AdminToken);
        await page.Keyboard.PressAsync("Enter");
        await page.WaitForURLAsync(url => !url.Contains("/login"));
        await page.GoToInteractivePageAsync($"/workspaces/switch/{workspace.Id}?returnUrl=%2Fdatasets");

        // The chooser opens only once the upload script is attached, the list has loaded and the button is enabled.
        await page.Locator("[data-testid=dataset-file][data-attached=true]").WaitForAsync(new() { State = WaitForSelectorState.Attached });
        await page.GetByTestId("dataset-row").First.WaitForAsync();
        var upload = page.GetByTestId("dataset-upload");
        await Assertions.Expect(upload).ToBeEnabledAsync();
        await PressUntilFocusedAsync(page, "Tab", upload);
        var chooser = await page.RunAndWaitForFileChooserAsync(() => page.Keyboard.PressAsync("Enter"));
        await chooser.SetFilesAsync(AppHostFixture.Sample("capitals-with-errors.jsonl"));
        await page.WaitForURLAsync(new Regex(@"/datasets/ds_[0-9a-f]+$"));
        await Assertions.Expect(page.GetByTestId("dataset-status")).ToHaveTextAsync("invalid");

        await PressUntilFocusedAsync(page, "Tab", page.Locator("[data-testid=dataset-error][data-line='2']").GetByTestId("problem-line-link"));
        await page.Keyboard.PressAsync("Enter");
        await Assertions.Expect(page.Locator("[data-testid=example][data-line='2'][data-selected=true]")).ToBeFocusedAsync();
        await AssertFocusVisibleAsync(page);

        await page.GoToInteractivePageAsync("/jobs");
        var trainingSelect = page.GetByTestId("training-dataset");
        await PressUntilFocusedAsync(page, "Tab", trainingSelect);
        await page.Keyboard.PressAsync("Enter");
        await Assertions.Expect(page.GetByRole(AriaRole.Option, new() { Name = training.Name })).ToBeVisibleAsync();
        await page.Keyboard.PressAsync("ArrowDown");
        await page.Keyboard.PressAsync("Enter");
        await Assertions.Expect(trainingSelect).ToContainTextAsync(training.Name);
        await PressUntilFocusedAsync(page, "Tab", page.GetByTestId("suffix"));
        await page.Keyboard.TypeAsync("keys");
        await PressUntilFocusedAsync(page, "Tab", page.GetByTestId("create-job"));
        await page.Keyboard.PressAsync("Enter");
        await page.WaitForURLAsync(new Regex("/jobs/job_[0-9a-f]+$"), new() { Timeout = 90_000 });

        // Followed live: the status changes reach a screen reader through the polite live region, the curve in words.
        await Assertions.Expect(page.Locator("[data-testid=job-status][data-status=succeeded]")).ToBeVisibleAsync(new() { Timeout = 180_000 });
        await Assertions.Expect(page.GetByTestId("job-announcement")).ToHaveTextAsync(new Regex(": succeeded\\.$"));
        await Assertions.Expect(page.GetByTestId("loss-summary")).ToContainTextAsync("train loss");
        await PressUntilFocusedAsync(page, "Tab", page.GetByTestId("job-events"));

        await PressUntilFocusedAsync(page, "Shift+Tab", page.GetByTestId("open-playground"));
        await page.Keyboard.PressAsync("Enter");
        await page.WaitForURLAsync(new Regex("/playground\\?"));
        await page.Locator("[data-testid=render-mode][data-interactive=true]").WaitForAsync(new() { State = WaitForSelectorState.Attached });
        await PressUntilFocusedAsync(page, "Tab", page.GetByTestId("playground-input"));
        await page.Keyboard.TypeAsync("Capital of France?");
        await PressUntilFocusedAsync(page, "Tab", page.GetByTestId("playground-send"));
        await page.Keyboard.PressAsync("Enter");
        foreach (var side in new[] { "a", "b" })
        {
            var answer = page.Locator($"[data-testid=playground-answer-{side}][data-streaming=false]");
            await Assertions.Expect(answer).ToHaveTextAsync(new Regex("\\S"), new() { Timeout = 60_000 });
        }
    }

    [Fact]
    public async Task Switch_workspace_from_the_app_bar_and_invite_a_member_from_the_workspace_menu()
    {
        var target = await fixture.CreateWorkspaceAsync($"Switch {Guid.NewGuid():N}"[..15]);
        var page = await _browser.NewSignedInPageAsync();
        await page.GoToInteractivePageAsync("/datasets");

        var switcher = page.GetByTestId("workspace-switcher");
        await PressUntilFocusedAsync(page, "Tab", switcher);
        await page.Keyboard.PressAsync("Enter");
        await PressUntilFocusedAsync(page, "ArrowDown", page.Locator($"[data-testid=workspace-option][data-workspace-id='{target.Id}']"));
        await page.Keyboard.PressAsync("Enter");
        await page.WaitForURLAsync(new Regex("/datasets$"));
        await Assertions.Expect(switcher).ToHaveAttributeAsync("data-workspace-id", target.Id);
        await Assertions.Expect(page.GetByText("No datasets yet")).ToBeVisibleAsync();

        await page.Locator("[data-testid=render-mode][data-interactive=true]").WaitForAsync(new() { State = WaitForSelectorState.Attached });
        await PressUntilFocusedAsync(page, "Tab", switcher);
        await page.Keyboard.PressAsync("Enter");
        await PressUntilFocusedAsync(page, "ArrowDown", page.GetByRole(AriaRole.Menuitem, new() { Name = "Members and invitations" }));
        await page.Keyboard.PressAsync("Enter");
        await page.WaitForURLAsync(new Regex("/members$"));
        await Assertions.Expect(page.GetByText("No open invitations.")).ToBeVisibleAsync();
        await PressUntilFocusedAsync(page, "Tab", page.GetByTestId("invitation-create"));
        await page.Keyboard.PressAsync("Enter");

        await Assertions.Expect(page.Locator("input[data-testid=invitation-link], [data-testid=invitation-link] input").First)
            .ToHaveValueAsync(new Regex("/invite/[0-9a-f]+$"));
        await Assertions.Expect(page.GetByTestId("invitation-row")).ToHaveCountAsync(1);
    }

    // Presses the key until the target (or a control inside it) has the focus, as someone without a mouse moves through a
    // page, then checks that the focus is drawn.
    private static async Task PressUntilFocusedAsync(IPage page, string key, ILocator target)
    {
        await target.First.WaitForAsync();
        for (var presses = 0; presses < 200; presses++)
        {
            await page.Keyboard.PressAsync(key);
            if (await target.First.EvaluateAsync<bool>("e => e === document.activeElement || e.contains(document.activeElement)"))
            {
                await AssertFocusVisibleAsync(page);
                return;
            }
        }
        Assert.Fail($"{key} never brought the focus to {target} on {page.Url}.");
    }

    // A text field draws its focus as MudBlazor's underline; everything else as app.css's outline.
    private static async Task AssertFocusVisibleAsync(IPage page)
    {
        var focus = await page.EvaluateAsync<string>("""
            () => {
                const focused = document.activeElement;
                if (focused.closest('.mud-input.mud-input-underline, .mud-input-outlined')) return 'field';
                const style = getComputedStyle(focused);
                return style.outlineStyle === 'none' || parseFloat(style.outlineWidth) < 2 ? `none: ${focused.outerHTML.slice(0, 200)}` : 'outline';
            }
            """);
        Assert.True(!focus.StartsWith("none", StringComparison.Ordinal), $"The focused element draws no focus outline on {page.Url} ({focus}).");
    }

    public async Task DisposeAsync() => await _browser.DisposeAsync();
}
