using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using FineTune.IntegrationTests.Infrastructure;
using StackExchange.Redis;

namespace FineTune.IntegrationTests;

// Accounts, sign-in, personal access tokens and invitations through the Api, over a real Redis.
public sealed class AccountApiTests(FineTuneStack<GarnetRedisServer> stack) : IClassFixture<FineTuneStack<GarnetRedisServer>>
{
    private Uri Api => stack.Api.BaseAddress;

    [Fact]
    public async Task A_new_account_owns_a_workspace_of_its_own_and_its_password_is_stored_only_as_a_hash()
    {
        var ada = await TestAccounts.RegisterAsync(Api, "Ada");
        using var client = ada.Client(Api);

        var me = await client.GetFromJsonAsync<JsonElement>("/api/me");
        var workspace = Assert.Single(me.GetProperty("workspaces").EnumerateArray());
        Assert.Equal(ada.WorkspaceId, workspace.GetProperty("id").GetString());
        Assert.Equal("owner", workspace.GetProperty("role").GetString());

        await using var redis = await ConnectionMultiplexer.ConnectAsync(stack.Redis.ConnectionString);
        var stored = (await redis.GetDatabase().StringGetAsync($"finetune:user:{ada.Id}")).ToString();
        Assert.DoesNotContain(TestAccounts.Password, stored);
        Assert.Contains("passwordHash", stored);
    }

    [Fact]
    public async Task Registration_refuses_a_taken_email_whatever_its_case_a_short_password_and_a_bad_email()
    {
        var ada = await TestAccounts.RegisterAsync(Api, "Ada");
        using var anonymous = new HttpClient { BaseAddress = Api };

        var taken = await anonymous.PostAsJsonAsync("/api/account/register",
            new { email = ada.Email.ToUpperInvariant(), name = "Other", password = TestAccounts.Password });
        Assert.Equal(HttpStatusCode.Conflict, taken.StatusCode);

        var invalid = await anonymous.PostAsJsonAsync("/api/account/register", new { email = "not-an-email", name = "", password = "short" });
        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
        var errors = (await invalid.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors");
        Assert.True(errors.TryGetProperty("email", out _));
        Assert.True(errors.TryGetProperty("name", out _));
        Assert.True(errors.TryGetProperty("password", out _));
    }

    [Fact]
    public async Task Five_wrong_passwords_lock_sign_in_and_an_unknown_email_is_answered_exactly_the_same()
    {
        var ada = await TestAccounts.RegisterAsync(Api, "Ada");
        var unknown = $"nobody-{Guid.NewGuid():N}@example.com";
        using var anonymous = new HttpClient { BaseAddress = Api };

        foreach (var email in new[] { ada.Email, unknown })
        {
            for (var attempt = 1; attempt <= 5; attempt++)
            {
                var wrong = await anonymous.PostAsJsonAsync("/api/account/sessions", new { email, password = "wrong password!" });
                Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
            }
        }

        var known = await anonymous.PostAsJsonAsync("/api/account/sessions", new { email = ada.Email, password = TestAccounts.Password });
        var other = await anonymous.PostAsJsonAsync("/api/account/sessions", new { email = unknown, password = TestAccounts.Password });
        Assert.Equal(HttpStatusCode.TooManyRequests, known.StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, other.StatusCode);
        Assert.Equal(await WithoutTraceIdAsync(known), await WithoutTraceIdAsync(other));
    }

    // The problem's fields that are not per request.
    private static async Task<string> WithoutTraceIdAsync(HttpResponseMessage response)
    {
        var problem = (await response.Content.ReadFromJsonAsync<JsonElement>()).EnumerateObject().Where(p => p.Name != "traceId");
        return string.Join(";", problem.Select(p => $"{p.Name}={p.Value}"));
    }

    [Fact]
    public async Task A_personal_access_token_is_shown_once_works_and_stops_working_when_revoked()
    {
        var ada = await TestAccounts.RegisterAsync(Api, "Ada");
        using var client = ada.Client(Api);

        var created = await client.PostAsJsonAsync("/api/account/tokens", new { name = "CI", expiresInDays = 30 });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var body = await created.Content.ReadFromJsonAsync<JsonElement>();
        var secret = body.GetProperty("secret").GetString()!;
        var tokenId = body.GetProperty("token").GetProperty("id").GetString()!;

        var listed = await client.GetStringAsync("/api/account/tokens");
        Assert.Contains(tokenId, listed);
        Assert.DoesNotContain(secret, listed);

        await using var redis = await ConnectionMultiplexer.ConnectAsync(stack.Redis.ConnectionString);
        Assert.DoesNotContain(secret, await RedisDump.AllValuesAsync(redis));

        using var withToken = new TestUser(ada.Id, ada.Email, secret, ada.WorkspaceId).Client(Api);
        Assert.Equal(HttpStatusCode.OK, (await withToken.GetAsync("/api/me")).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync($"/api/account/tokens/{tokenId}")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await withToken.GetAsync("/api/me")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.DeleteAsync($"/api/account/tokens/{tokenId}")).StatusCode);
    }

    [Fact]
    public async Task Signing_out_revokes_the_session_token()
    {
        var ada = await TestAccounts.RegisterAsync(Api, "Ada");
        using var client = ada.Client(Api);

        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync("/api/account/sessions/current")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/me")).StatusCode);
    }

    [Fact]
    public async Task An_invitation_link_shows_what_it_offers_works_once_expires_and_can_be_revoked()
    {
        var owner = await TestAccounts.RegisterAsync(Api, "Owner");
        var guest = await TestAccounts.RegisterAsync(Api, "Guest");
        using var ownerClient = owner.Client(Api);
        using var guestClient = guest.Client(Api);
        using var anonymous = new HttpClient { BaseAddress = Api };

        var tooLong = await ownerClient.PostAsJsonAsync($"/api/workspaces/{owner.WorkspaceId}/invitations", new { role = "viewer", expiresInHours = 100_000 });
        Assert.Equal(HttpStatusCode.BadRequest, tooLong.StatusCode);

        var invited = await ownerClient.PostAsJsonAsync($"/api/workspaces/{owner.WorkspaceId}/invitations", new { role = "viewer", expiresInHours = 2 });
        var invitation = await invited.Content.ReadFromJsonAsync<JsonElement>();
        var token = invitation.GetProperty("token").GetString()!;
        Assert.Equal($"/invite/{token}", invitation.GetProperty("link").GetString());

        var preview = await anonymous.GetFromJsonAsync<JsonElement>($"/api/invitations/{token}");
        Assert.Equal("viewer", preview.GetProperty("role").GetString());
        Assert.Equal("Owner", preview.GetProperty("invitedBy").GetString());
        var expiresAt = preview.GetProperty("expiresAt").GetDateTimeOffset();
        Assert.InRange(expiresAt - DateTimeOffset.UtcNow, TimeSpan.FromMinutes(110), TimeSpan.FromMinutes(121));

        // Redis itself forgets the link at expiry.
        await using var redis = await ConnectionMultiplexer.ConnectAsync(stack.Redis.ConnectionString);
        var key = (await redis.GetServers()[0].KeysAsync(pattern: "finetune:invitation:*").ToListAsync())
            .Single(k => redis.GetDatabase().StringGet(k).ToString().Contains(invitation.GetProperty("invitation").GetProperty("id").GetString()!));
        Assert.InRange((await redis.GetDatabase().KeyTimeToLiveAsync(key))!.Value, TimeSpan.FromMinutes(110), TimeSpan.FromMinutes(121));

        var joined = await guestClient.PostAsync($"/api/invitations/{token}/accept", null);
        Assert.Equal(HttpStatusCode.OK, joined.StatusCode);
        var memberships = await guestClient.GetFromJsonAsync<JsonElement>("/api/workspaces");
        Assert.Contains(memberships.EnumerateArray(), m => m.GetProperty("id").GetString() == owner.WorkspaceId && m.GetProperty("role").GetString() == "viewer");
        Assert.Equal(HttpStatusCode.NotFound, (await guestClient.PostAsync($"/api/invitations/{token}/accept", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await anonymous.GetAsync($"/api/invitations/{token}")).StatusCode);

        var revokedInvitation = await (await ownerClient.PostAsJsonAsync($"/api/workspaces/{owner.WorkspaceId}/invitations", new { role = "member" }))
            .Content.ReadFromJsonAsync<JsonElement>();
        var revokedId = revokedInvitation.GetProperty("invitation").GetProperty("id").GetString();
        Assert.Equal(HttpStatusCode.NoContent, (await ownerClient.DeleteAsync($"/api/workspaces/{owner.WorkspaceId}/invitations/{revokedId}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound,
            (await guestClient.PostAsync($"/api/invitations/{revokedInvitation.GetProperty("token").GetString()}/accept", null)).StatusCode);
    }

    [Fact]
    public async Task The_last_owner_can_be_neither_demoted_nor_removed()
    {
        var owner = await TestAccounts.RegisterAsync(Api, "Owner");
        using var client = owner.Client(Api);

        var demoted = await client.PutAsJsonAsync($"/api/workspaces/{owner.WorkspaceId}/members/{owner.Id}", new { role = WorkspaceRole.Member }, FineTuneJson.Options);
        Assert.Equal(HttpStatusCode.Conflict, demoted.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await client.DeleteAsync($"/api/workspaces/{owner.WorkspaceId}/members/{owner.Id}")).StatusCode);

        var second = await TestAccounts.RegisterAsync(Api, "Second");
        await TestAccounts.JoinAsync(Api, owner, owner.WorkspaceId, second, WorkspaceRole.Owner);
        var demotedNow = await client.PutAsJsonAsync($"/api/workspaces/{owner.WorkspaceId}/members/{owner.Id}", new { role = WorkspaceRole.Member }, FineTuneJson.Options);
        Assert.Equal(HttpStatusCode.NoContent, demotedNow.StatusCode);
    }
}
