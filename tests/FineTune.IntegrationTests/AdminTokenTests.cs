using System.Net;
using System.Net.Http.Headers;
using FineTune.IntegrationTests.Infrastructure;

namespace FineTune.IntegrationTests;

// The admin token comes from configuration (FineTune:Bootstrap:AdminToken, or the AppHost's admin-token
// file). Rotating it is changing the setting and starting again: from then on only the new one signs in.
public sealed class AdminTokenTests : IAsyncLifetime
{
    private DebianRedisServer Redis { get; } = new();
    private readonly string _dataDirectory = Directory.CreateTempSubdirectory("finetune-it-admin-").FullName;

    [Fact]
    public async Task A_new_admin_token_revokes_the_old_one_at_the_next_start_and_no_token_revokes_both()
    {
        await using (var first = await StartApiAsync("admin-token-A"))
        {
            Assert.Equal(HttpStatusCode.OK, await MeAsync(first, "admin-token-A"));
        }

        await using (var second = await StartApiAsync("admin-token-B"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, await MeAsync(second, "admin-token-A"));
            Assert.Equal(HttpStatusCode.OK, await MeAsync(second, "admin-token-B"));
        }

        await using var third = await StartApiAsync(adminToken: null);
        Assert.Equal(HttpStatusCode.Unauthorized, await MeAsync(third, "admin-token-A"));
        Assert.Equal(HttpStatusCode.Unauthorized, await MeAsync(third, "admin-token-B"));
    }

    [Fact]
    public async Task The_admin_revokes_the_admin_token_as_any_token_of_theirs_until_the_next_start_gives_it_again()
    {
        await using var api = await StartApiAsync("admin-token-C");
        using var admin = Client(api, "admin-token-C");

        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync("/api/account/tokens/tok_bootstrap")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, await MeAsync(api, "admin-token-C"));

        await api.KillAsync();
        await api.StartAgainAsync();
        Assert.Equal(HttpStatusCode.OK, await MeAsync(api, "admin-token-C"));
    }

    private Task<ServiceProcess> StartApiAsync(string? adminToken)
    {
        var environment = new Dictionary<string, string>
        {
            ["ConnectionStrings__redis"] = Redis.ConnectionString,
            // Nothing here calls the provider.
            ["FineTune__Provider__Endpoint"] = "http://127.0.0.1:9/v1",
            ["FineTune__DataDirectory"] = _dataDirectory,
        };
        if (adminToken is not null) environment["FineTune__Bootstrap__AdminToken"] = adminToken;
        return ServiceProcess.StartAsync("FineTune.Api", environment);
    }

    private static HttpClient Client(ServiceProcess api, string token)
    {
        var client = new HttpClient { BaseAddress = api.BaseAddress };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    private static async Task<HttpStatusCode> MeAsync(ServiceProcess api, string token)
    {
        using var client = Client(api, token);
        return (await client.GetAsync("/api/me")).StatusCode;
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        await Redis.DisposeAsync();
        Directory.Delete(_dataDirectory, recursive: true);
    }
}
