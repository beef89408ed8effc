using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace FineTune.IntegrationTests.Infrastructure;

// A person signed in to the Api: their token, id and own (default) workspace.
public sealed record TestUser(string Id, string Email, string Token, string WorkspaceId)
{
    public HttpClient Client(Uri api, string? workspaceId = null)
    {
        var client = new HttpClient { BaseAddress = api, Timeout = TimeSpan.FromSeconds(60) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        if (workspaceId is not null) client.DefaultRequestHeaders.Add("FineTune-Workspace", workspaceId);
        return client;
    }
}

public sealed record TestTeam(TestUser Owner, TestUser Member, TestUser Viewer, TestUser Outsider);

// Accounts made through the Api as a person would: register, sign in, join by invitation.
public static class TestAccounts
{
    public const string Password = "correct horse battery staple";

    public static async Task<TestUser> RegisterAsync(Uri api, string name)
    {
        using var anonymous = new HttpClient { BaseAddress = api };
        var email = $"{name.ToLowerInvariant()}-{Guid.NewGuid():N}@example.com";
        var registered = await anonymous.PostAsJsonAsync("/api/account/register", new { email, name, password = Password });
        Assert.True(registered.StatusCode == HttpStatusCode.Created, await registered.Content.ReadAsStringAsync());

        var session = await anonymous.PostAsJsonAsync("/api/account/sessions", new { email, password = Password });
        Assert.True(session.IsSuccessStatusCode, await session.Content.ReadAsStringAsync());
        var body = await session.Content.ReadFromJsonAsync<JsonElement>();
        var user = body.GetProperty("user");
        return new TestUser(user.GetProperty("id").GetString()!, email, body.GetProperty("token").GetString()!,
            user.GetProperty("defaultWorkspaceId").GetString()!);
    }

    // An owner with a member and a viewer in the owner's own workspace, and someone from another workspace.
    public static async Task<TestTeam> TeamAsync(Uri api)
    {
        var owner = await RegisterAsync(api, "Owner");
        var member = await RegisterAsync(api, "Member");
        var viewer = await RegisterAsync(api, "Viewer");
        await JoinAsync(api, owner, owner.WorkspaceId, member, WorkspaceRole.Member);
        await JoinAsync(api, owner, owner.WorkspaceId, viewer, WorkspaceRole.Viewer);
        return new TestTeam(owner, member, viewer, await RegisterAsync(api, "Outsider"));
    }

    // The owner invites, the user accepts: the user now has `role` in the owner's workspace.
    public static async Task JoinAsync(Uri api, TestUser owner, string workspaceId, TestUser user, WorkspaceRole role)
    {
        using var ownerClient = owner.Client(api);
        var invited = await ownerClient.PostAsJsonAsync($"/api/workspaces/{workspaceId}/invitations", new { role }, FineTuneJson.Options);
        Assert.True(invited.StatusCode == HttpStatusCode.Created, await invited.Content.ReadAsStringAsync());
        var token = (await invited.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("token").GetString();

        using var userClient = user.Client(api);
        var accepted = await userClient.PostAsync($"/api/invitations/{token}/accept", null);
        Assert.True(accepted.IsSuccessStatusCode, await accepted.Content.ReadAsStringAsync());
    }
}
