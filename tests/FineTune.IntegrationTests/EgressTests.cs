using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using FineTune.IntegrationTests.Infrastructure;
using StackExchange.Redis;

namespace FineTune.IntegrationTests;

// A workspace's connections and webhook reach public addresses and what the operator allows, through the
// real Api and Worker. The stack allows one loopback port (EgressStack's Redirector); every refused address
// points at a real server on loopback (the target) that must see no connection at all.
public sealed class EgressTests(EgressStack stack) : IClassFixture<EgressStack>
{
    private Uri Api => stack.Api.BaseAddress;

    [Fact]
    public async Task A_connection_or_webhook_to_a_non_public_address_is_refused_with_a_problem_that_names_the_setting()
    {
        await using var target = await LoopbackHttpServer.StartAsync();
        var owner = await TestAccounts.RegisterAsync(Api, "Owner");
        using var client = owner.Client(Api, owner.WorkspaceId);
        var allowed = await client.PostAsync("/api/connections", Json(Connection(stack.Redirector.Url("/v1"))));
        Assert.Equal(HttpStatusCode.Created, allowed.StatusCode);
        var connectionId = (await allowed.Content.ReadFromJsonAsync<ProviderConnection>(FineTuneJson.Options))!.Id;

        foreach (var url in new[]
        {
            $"http://127.0.0.1:{target.Port}/v1",
            $"http://localhost:{target.Port}/v1",
            $"http://[::1]:{target.Port}/v1",
            $"http://[::ffff:127.0.0.1]:{target.Port}/v1",
            "http://10.0.0.1/v1",
            "http://172.16.0.1/v1",
            "http://192.168.1.1/v1",
            "http://169.254.169.254/latest",
        })
        {
            foreach (var (what, response) in new[]
            {
                ("new connection", await client.PostAsync("/api/connections", Json(Connection(url)))),
                ("changed connection", await client.PutAsync($"/api/connections/{connectionId}", Json(Connection(url)))),
                ("webhook", await client.PutAsJsonAsync($"/api/workspaces/{owner.WorkspaceId}/settings", new { webhookUrl = url })),
            })
            {
                var body = await response.Content.ReadAsStringAsync();
                Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{what} at {url}: {response.StatusCode} {body}");
                var problem = JsonDocument.Parse(body).RootElement;
                Assert.Equal("The address is not allowed", problem.GetProperty("title").GetString());
                Assert.Contains("FineTune:Egress:AllowedHosts", problem.GetProperty("detail").GetString());
            }
        }
        Assert.Equal(0, target.Connections);
        Assert.Equal(stack.Redirector.Url("/v1"), (await client.GetFromJsonAsync<ProviderConnection>($"/api/connections/{connectionId}", FineTuneJson.Options))!.Endpoint);
        Assert.Contains("\"webhookConfigured\":false", await client.GetStringAsync($"/api/workspaces/{owner.WorkspaceId}/settings"));
    }

    [Fact]
    public async Task A_connection_saved_before_the_guard_is_not_allowed_when_used_whether_anything_listens_there_or_not()
    {
        await using var target = await LoopbackHttpServer.StartAsync();
        var owner = await TestAccounts.RegisterAsync(Api, "Owner");
        using var client = owner.Client(Api, owner.WorkspaceId);
        // As an earlier version saved it, or an allow-list entry since removed allowed it.
        await using var redis = await ConnectionMultiplexer.ConnectAsync(stack.Redis.ConnectionString);
        var store = new ConnectionStore(redis);
        var listening = await SaveAsync(store, owner, $"http://127.0.0.1:{target.Port}/v1");
        var nothingThere = await SaveAsync(store, owner, $"http://127.0.0.1:{Repository.FreeTcpPort()}/v1");

        var tests = new[] { await TestAsync(client, listening.Id), await TestAsync(client, nothingThere.Id) };
        Assert.All(tests, test => Assert.False(test.Ok));
        Assert.All(tests, test => Assert.Equal(EgressPolicy.NotAllowed, test.Message));
        var models = await client.GetAsync($"/api/models?connectionId={listening.Id}");
        Assert.Equal(HttpStatusCode.BadGateway, models.StatusCode);
        Assert.Contains("not allowed", await models.Content.ReadAsStringAsync());
        Assert.Equal(0, target.Connections);
    }

    [Fact]
    public async Task An_allowed_address_is_called_and_its_redirect_to_a_refused_address_is_not_followed()
    {
        await using var target = await LoopbackHttpServer.StartAsync();
        var owner = await TestAccounts.RegisterAsync(Api, "Owner");
        using var client = owner.Client(Api, owner.WorkspaceId);

        await SetWebhookAsync(client, owner, stack.Redirector.Url("/hooks/team"));
        var delivered = await TestWebhookAsync(client, owner);
        Assert.True(delivered.Delivered, delivered.Error);

        var requestsBefore = stack.Redirector.Requests;
        await SetWebhookAsync(client, owner, stack.Redirector.Url($"/redirect/{target.Port}/hooks/team"));
        var redirected = await TestWebhookAsync(client, owner);
        Assert.False(redirected.Delivered);
        Assert.Equal(EgressPolicy.NotAllowed, redirected.Error);

        var created = await client.PostAsync("/api/connections", Json(Connection(stack.Redirector.Url($"/redirect/{target.Port}/v1"))));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var test = await TestAsync(client, (await created.Content.ReadFromJsonAsync<ProviderConnection>(FineTuneJson.Options))!.Id);
        Assert.False(test.Ok);
        Assert.Equal(EgressPolicy.NotAllowed, test.Message);

        Assert.True(stack.Redirector.Requests >= requestsBefore + 2, "The allowed address was called and redirected.");
        Assert.Equal(0, target.Connections);
    }

    private static ProviderConnectionRequest Connection(string endpoint) => new("Somewhere", ProviderConnectionKind.OpenAICompatible, endpoint, "sk-test");

    private static StringContent Json(object value) => new(JsonSerializer.Serialize(value, FineTuneJson.Options), Encoding.UTF8, "application/json");

    private static Task<ProviderConnection> SaveAsync(ConnectionStore store, TestUser owner, string endpoint) => store.SaveAsync(new ProviderConnection
    {
        Id = "conn_" + Guid.NewGuid().ToString("N")[..16],
        WorkspaceId = owner.WorkspaceId,
        Name = "Saved before",
        Kind = ProviderConnectionKind.Local,
        Endpoint = endpoint,
        CreatedBy = owner.Id,
        CreatedAt = DateTimeOffset.UtcNow,
        UpdatedAt = DateTimeOffset.UtcNow,
    }, protectedKey: null);

    private static async Task<ConnectionTestResult> TestAsync(HttpClient client, string connectionId)
    {
        var response = await client.PostAsync($"/api/connections/{connectionId}/test", null);
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<ConnectionTestResult>(FineTuneJson.Options))!;
    }

    private static async Task SetWebhookAsync(HttpClient client, TestUser owner, string url)
    {
        var response = await client.PutAsJsonAsync($"/api/workspaces/{owner.WorkspaceId}/settings", new { webhookUrl = url });
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
    }

    private static async Task<WebhookTestResult> TestWebhookAsync(HttpClient client, TestUser owner) =>
        (await (await client.PostAsync($"/api/workspaces/{owner.WorkspaceId}/webhook/test", null)).Content
            .ReadFromJsonAsync<WebhookTestResult>(FineTuneJson.Options))!;
}
