using Aspire.Hosting;
using Aspire.Hosting.Testing;
using Microsoft.Playwright;
using Xunit.Abstractions;

namespace FineTune.EndToEndTests;

// The Connections page against the real AppHost: an owner adds a connection with a key, tests it and
// picks it for a job, and the key is in no page the browser receives, not even in the edit dialog.
[Collection(AppHostCollection.Name)]
public sealed class ConnectionBrowserTests(AppHostFixture fixture, ITestOutputHelper output) : IAsyncLifetime
{
    private Browser _browser = null!;

    public async Task InitializeAsync() => _browser = await Browser.LaunchAsync(fixture.WebAddress, output, nameof(ConnectionBrowserTests));

    [Fact]
    public async Task An_owner_adds_tests_picks_and_deletes_a_connection_and_its_key_is_never_rendered()
    {
        var plantedKey = "sk-planted-" + Guid.NewGuid().ToString("N");
        var name = $"Browser {Guid.NewGuid():N}"[..16];
        var page = await _browser.NewSignedInPageAsync();
        async Task AssertKeyNotRendered() => Assert.DoesNotContain(plantedKey, await page.ContentAsync());

        await page.GoToInteractivePageAsync("/connections");
        await page.Locator("[data-testid=connection-row][data-connection-id=server]").WaitForAsync();
        await page.GetByTestId("connection-add").ClickAsync();
        await page.GetByTestId("connection-name").FillAsync(name);
        await page.GetByTestId("connection-kind").ClickAsync();
        await page.GetByRole(AriaRole.Option, new() { Name = "LocalProvider", Exact = true }).ClickAsync();
        await page.GetByTestId("connection-endpoint").FillAsync(new Uri(fixture.App.GetEndpoint("localprovider", "http"), "v1").ToString());
        await page.GetByTestId("connection-key").FillAsync(plantedKey);
        await page.GetByTestId("connection-save").ClickAsync();

        var row = page.Locator("[data-testid=connection-row]", new() { HasText = name });
        await Assertions.Expect(row.GetByTestId("connection-key-state")).ToHaveTextAsync("set");
        await AssertKeyNotRendered();

        await row.GetByTestId("connection-test").ClickAsync();
        await Assertions.Expect(row.Locator("[data-testid=connection-test-result][data-ok=true]")).ToContainTextAsync("models");

        // Editing starts with an empty key field: the stored key never travels back to the browser.
        await row.GetByTestId("connection-edit").ClickAsync();
        await Assertions.Expect(page.GetByTestId("connection-key")).ToHaveValueAsync("");
        await AssertKeyNotRendered();
        await page.GetByRole(AriaRole.Button, new() { Name = "Cancel" }).ClickAsync();

        await page.GoToInteractivePageAsync("/jobs");
        await page.GetByTestId("connection").ClickAsync();
        await page.GetByRole(AriaRole.Option, new() { Name = name }).ClickAsync();
        await AssertKeyNotRendered();

        await page.GoToInteractivePageAsync("/connections");
        await row.GetByTestId("connection-delete").ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Yes, delete" }).ClickAsync();
        await Assertions.Expect(row).ToHaveCountAsync(0);
    }

    public async Task DisposeAsync() => await _browser.DisposeAsync();
}
