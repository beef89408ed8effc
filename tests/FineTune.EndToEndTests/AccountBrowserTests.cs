using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Aspire.Hosting.Testing;
using Microsoft.Playwright;
using Xunit.Abstractions;

namespace FineTune.EndToEndTests;

// Accounts, workspaces and tokens in the browser, against the real AppHost: each test registers people
// of its own, so it sees only what it made.
[Collection(AppHostCollection.Name)]
public sealed partial class AccountBrowserTests(AppHostFixture fixture, ITestOutputHelper output) : IAsyncLifetime
{
    private const string Password = "correct horse battery staple";

    private readonly DirectoryInfo _files = Directory.CreateTempSubdirectory("finetune-e2e-accounts-");
    private Browser _browser = null!;

    public async Task InitializeAsync() => _browser = await Browser.LaunchAsync(fixture.WebAddress, output, nameof(AccountBrowserTests));

    [Fact]
    public async Task Single_sign_on_through_the_identity_provider_lands_in_a_workspace_of_your_own()
    {
        fixture.IdentityProvider.SignInAs = "sso-" + Guid.NewGuid().ToString("N")[..8];
        var page = await _browser.NewPageAsync();
        await page.GotoAsync("/login?ReturnUrl=%2Fdatasets");

        await page.GetByTestId("login-oidc").ClickAsync();

        // Off to the provider (which signs the user in without asking) and back, signed in.
        await page.WaitForURLAsync(new Regex("/datasets$"));
        await WaitForInteractiveAsync(page);
        await Assertions.Expect(page.GetByTestId("user-menu")).ToHaveTextAsync("Grace Hopper");
        await Assertions.Expect(page.GetByTestId("workspace-switcher")).ToHaveTextAsync("Grace Hopper's workspace");
        await Assertions.Expect(page.GetByTestId("workspace-switcher")).ToHaveAttributeAsync("data-role", "owner");
    }

    [Fact]
    public async Task Register_sign_out_and_sign_in_with_the_password_into_your_own_workspace()
    {
        var page = await _browser.NewPageAsync();
        var person = NewPerson("ada");
        await page.GotoAsync("/register");
        await RegisterAsync(page, person);

        await page.WaitForURLAsync(new Regex("/jobs$"));
        await WaitForInteractiveAsync(page);
        var switcher = page.GetByTestId("workspace-switcher");
        await Assertions.Expect(switcher).ToHaveTextAsync($"{person.Name}'s workspace");
        await Assertions.Expect(switcher).ToHaveAttributeAsync("data-role", "owner");
        var workspaceId = await switcher.GetAttributeAsync("data-workspace-id");

        await SignOutAsync(page);

        await page.GetByTestId("login-email").FillAsync(person.Email);
        await page.GetByTestId("login-password").FillAsync("not the password");
        await page.GetByTestId("login-password-submit").ClickAsync();
        await Assertions.Expect(page.GetByTestId("login-error")).ToContainTextAsync("Wrong email or password");
        Assert.Contains("/login", page.Url);

        await page.GetByTestId("login-email").FillAsync(person.Email);
        await page.GetByTestId("login-password").FillAsync(Password);
        await page.GetByTestId("login-password-submit").ClickAsync();
        await page.WaitForURLAsync(new Regex("/jobs$"));
        await WaitForInteractiveAsync(page);
        await Assertions.Expect(page.GetByTestId("workspace-switcher")).ToHaveAttributeAsync("data-workspace-id", workspaceId!);
        await Assertions.Expect(page.GetByTestId("user-menu")).ToHaveTextAsync(person.Name);
        // A new workspace: none of the jobs other tests made in the admin's workspace.
        await Assertions.Expect(page.GetByText("No jobs yet")).ToBeVisibleAsync();
    }

    [Fact]
    public async Task A_viewer_joins_by_invitation_link_sees_the_datasets_without_actions_and_switching_workspaces_changes_the_list()
    {
        var owner = await _browser.NewPageAsync();
        var ownerPerson = NewPerson("owner");
        await owner.GotoAsync("/register");
        await RegisterAsync(owner, ownerPerson);
        await owner.WaitForURLAsync(new Regex("/jobs$"));

        var datasetName = $"shared-{Guid.NewGuid():N}"[..15] + ".jsonl";
        await UploadInBrowserAsync(owner, NamedCopy("capitals-train.jsonl", datasetName));
        var ownerWorkspace = await owner.GetByTestId("workspace-switcher").GetAttributeAsync("data-workspace-id");

        await owner.GoToInteractivePageAsync("/members");
        // Members and invitations have loaded once the (empty) invitation list shows.
        await Assertions.Expect(owner.GetByText("No open invitations.")).ToBeVisibleAsync();
        await owner.GetByTestId("invitation-role").ClickAsync();
        await owner.GetByRole(AriaRole.Option, new() { Name = "viewer", Exact = true }).ClickAsync();
        await Assertions.Expect(owner.GetByTestId("invitation-role")).ToHaveTextAsync("viewer");
        await owner.GetByTestId("invitation-create").ClickAsync();
        var linkField = owner.Locator("input[data-testid=invitation-link], [data-testid=invitation-link] input").First;
        await Assertions.Expect(linkField).ToHaveValueAsync(new Regex("/invite/[0-9a-f]+$"));
        var link = await linkField.InputValueAsync();
        await Assertions.Expect(owner.GetByTestId("invitation-row")).ToHaveCountAsync(1);

        // Someone else, in another browser, with no account yet.
        var viewer = await _browser.NewPageAsync();
        var viewerPerson = NewPerson("viewer");
        await viewer.GotoAsync(link);
        await Assertions.Expect(viewer.GetByTestId("invite-workspace")).ToHaveTextAsync($"{ownerPerson.Name}'s workspace");
        await Assertions.Expect(viewer.GetByTestId("invite-role")).ToHaveTextAsync("viewer");
        await viewer.GetByTestId("invite-register").ClickAsync();
        await RegisterAsync(viewer, viewerPerson);
        await viewer.WaitForURLAsync(new Regex("/invite/[0-9a-f]+$"));
        await viewer.GetByTestId("invite-join").ClickAsync();

        await viewer.WaitForURLAsync(new Regex("/datasets$"));
        await WaitForInteractiveAsync(viewer);
        var switcher = viewer.GetByTestId("workspace-switcher");
        await Assertions.Expect(switcher).ToHaveAttributeAsync("data-workspace-id", ownerWorkspace!);
        await Assertions.Expect(switcher).ToHaveAttributeAsync("data-role", "viewer");
        await Assertions.Expect(viewer.GetByTestId("dataset-link")).ToHaveTextAsync(datasetName);
        await Assertions.Expect(viewer.GetByTestId("role-note")).ToContainTextAsync("needs the member role");
        await Assertions.Expect(viewer.GetByTestId("dataset-upload")).ToHaveCountAsync(0);

        await viewer.GoToInteractivePageAsync("/jobs");
        await Assertions.Expect(viewer.GetByTestId("role-note").Filter(new() { HasText = "Creating jobs" })).ToContainTextAsync("Creating jobs needs the member role");
        await Assertions.Expect(viewer.GetByTestId("create-job")).ToHaveCountAsync(0);
        await Assertions.Expect(viewer.GetByTestId("training-dataset")).ToHaveCountAsync(0);

        // Back to the viewer's own workspace: the shared dataset is gone from the list, and they may upload.
        await viewer.GoToInteractivePageAsync("/datasets");
        await viewer.GetByTestId("workspace-switcher").ClickAsync();
        await viewer.Locator($"[data-testid=workspace-option]:not([data-workspace-id='{ownerWorkspace}'])").ClickAsync();
        await viewer.WaitForURLAsync(new Regex("/datasets$"));
        await WaitForInteractiveAsync(viewer);
        await Assertions.Expect(viewer.GetByTestId("workspace-switcher")).ToHaveTextAsync($"{viewerPerson.Name}'s workspace");
        await Assertions.Expect(viewer.GetByText("No datasets yet")).ToBeVisibleAsync();
        await Assertions.Expect(viewer.GetByTestId("dataset-row")).ToHaveCountAsync(0);
        await Assertions.Expect(viewer.GetByText(datasetName)).ToHaveCountAsync(0);
        await Assertions.Expect(viewer.GetByTestId("dataset-upload")).ToBeVisibleAsync();

        // The link worked once: the owner's list of open invitations is empty again.
        await owner.GoToInteractivePageAsync("/members");
        await Assertions.Expect(owner.Locator($"[data-testid=member-row][data-role=viewer]")).ToContainTextAsync(viewerPerson.Name);
        await Assertions.Expect(owner.GetByTestId("invitation-row")).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task Script_and_html_in_a_dataset_show_as_text_in_the_report_the_examples_and_the_playground()
    {
        var page = await _browser.NewPageAsync();
        await page.GotoAsync("/register");
        await RegisterAsync(page, NewPerson("mallory"));
        await page.WaitForURLAsync(new Regex("/jobs$"));

        var name = $"hostile-{Guid.NewGuid():N}"[..16] + ".jsonl";
        await UploadInBrowserAsync(page, HostileDataset(name));
        await Assertions.Expect(page.GetByTestId("dataset-status")).ToHaveTextAsync("valid");
        await Assertions.Expect(page.GetByTestId("example-turn").First).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByText("<script>window.__pwned=1</script>").First).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByText("<img src=x onerror=\"window.__pwned=2\">").First).ToBeVisibleAsync();
        await AssertNotPwnedAsync(page);

        await page.GoToInteractivePageAsync("/playground?a=gpt-4.1-mini&b=gpt-4.1-mini");
        await page.GetByTestId("playground-dataset").ClickAsync();
        await page.GetByRole(AriaRole.Option, new() { Name = name }).ClickAsync();
        await page.GetByTestId("playground-run-validation").ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=validation-row][data-done=true]")).ToHaveCountAsync(10, new() { Timeout = 60_000 });
        await Assertions.Expect(page.GetByTestId("validation-row").First).ToContainTextAsync("<script>window.__pwned=1</script>");
        await Assertions.Expect(page.GetByTestId("validation-row").First).ToContainTextAsync("<img src=x onerror=\"window.__pwned=2\">");
        await AssertNotPwnedAsync(page);
    }

    [Fact]
    public async Task A_personal_access_token_made_in_the_browser_works_against_the_api_until_it_is_revoked()
    {
        var page = await _browser.NewPageAsync();
        var person = NewPerson("ci");
        await page.GotoAsync("/register");
        await RegisterAsync(page, person);
        await page.WaitForURLAsync(new Regex("/jobs$"));
        await WaitForInteractiveAsync(page);

        await page.GetByTestId("user-menu").ClickAsync();
        await page.GetByTestId("tokens-link").ClickAsync();
        await page.WaitForURLAsync(new Regex("/account/tokens$"));
        await WaitForInteractiveAsync(page);
        await page.Locator("input[data-testid=token-name], [data-testid=token-name] input").First.FillAsync("CI");
        await page.GetByTestId("token-create").ClickAsync();
        await Assertions.Expect(page.GetByTestId("token-shown-once")).ToBeVisibleAsync();
        var secretField = page.Locator("input[data-testid=token-secret], [data-testid=token-secret] input").First;
        await Assertions.Expect(secretField).ToHaveValueAsync(new Regex("^ft_personal_"));
        var secret = await secretField.InputValueAsync();
        await Assertions.Expect(page.GetByTestId("token-row")).ToContainTextAsync("CI");

        using var api = fixture.App.CreateHttpClient("api");
        api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", secret);
        var me = await api.GetFromJsonAsync<Me>("/api/me", FineTuneJson.Options);
        Assert.Equal(person.Email, me!.Email);

        await page.GetByTestId("token-revoke").ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Yes, revoke" }).ClickAsync();
        await Assertions.Expect(page.GetByTestId("token-row")).ToHaveCountAsync(0);
        await Assertions.Expect(page.GetByTestId("token-shown-once")).ToHaveCountAsync(0);

        using var afterRevoke = await api.GetAsync("/api/me");
        Assert.Equal(HttpStatusCode.Unauthorized, afterRevoke.StatusCode);
    }

    private sealed record Person(string Name, string Email);

    private sealed record Me(string Id, string Name, string Email);

    private static Person NewPerson(string role)
    {
        var id = Guid.NewGuid().ToString("N")[..8];
        return new Person($"{char.ToUpperInvariant(role[0])}{role[1..]} {id}", $"{role}-{id}@example.com");
    }

    // On /register (or after a link to it): fills the form and sends it.
    private static async Task RegisterAsync(IPage page, Person person)
    {
        await page.GetByTestId("register-email").FillAsync(person.Email);
        await page.GetByTestId("register-name").FillAsync(person.Name);
        await page.GetByTestId("register-password").FillAsync(Password);
        await page.GetByTestId("register-submit").ClickAsync();
    }

    private static async Task SignOutAsync(IPage page)
    {
        await page.GetByTestId("user-menu").ClickAsync();
        await page.GetByTestId("logout").ClickAsync();
        await page.WaitForURLAsync(new Regex("/login$"));
    }

    private static Task WaitForInteractiveAsync(IPage page) =>
        page.Locator("[data-testid=render-mode][data-interactive=true]").WaitForAsync(new() { State = WaitForSelectorState.Attached });

    // Uploads through the datasets page, as a user does, and waits for the dataset's own page.
    private static async Task UploadInBrowserAsync(IPage page, string path)
    {
        await page.GoToInteractivePageAsync("/datasets");
        await page.GetByText("No datasets yet").Or(page.GetByTestId("dataset-row")).First.WaitForAsync();
        var chooser = await page.RunAndWaitForFileChooserAsync(() => page.GetByTestId("dataset-upload").ClickAsync());
        await chooser.SetFilesAsync(path);
        await page.WaitForURLAsync(new Regex(@"/datasets/ds_[0-9a-f]+$"));
    }

    private string NamedCopy(string sample, string name)
    {
        var path = Path.Combine(_files.FullName, name);
        File.Copy(AppHostFixture.Sample(sample), path);
        return path;
    }

    // Ten valid chat examples (the least a dataset may have) whose messages carry a script and an
    // HTML element with an event handler, written literally (not \u003C-escaped) into the file.
    private string HostileDataset(string name)
    {
        var path = Path.Combine(_files.FullName, name);
        var lines = Enumerable.Range(1, 10).Select(i =>
            $$"""{"messages": [{"role": "user", "content": "Question {{i}}: <script>window.__pwned=1</script>"}, {"role": "assistant", "content": "Answer {{i}}: <img src=x onerror=\"window.__pwned=2\"> <b>bold</b>"}]}""");
        File.WriteAllLines(path, lines);
        return path;
    }

    private static async Task AssertNotPwnedAsync(IPage page) =>
        Assert.True(await page.EvaluateAsync<bool>("() => window.__pwned === undefined"), "Markup from the dataset ran in the page.");

    public async Task DisposeAsync()
    {
        await _browser.DisposeAsync();
        _files.Delete(recursive: true);
    }
}
