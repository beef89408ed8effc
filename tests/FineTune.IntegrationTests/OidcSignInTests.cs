using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using FineTune.IntegrationTests.Infrastructure;
using Microsoft.IdentityModel.Tokens;
using StackExchange.Redis;

namespace FineTune.IntegrationTests;

// Single sign-on: the Api trusts an ID token only after checking it against the provider's keys, and the
// Web runs the browser's side of the flow (followed here by an HttpClient, redirects and cookies included).
public sealed class OidcSignInTests(WebStack stack) : IClassFixture<WebStack>, IDisposable
{
    private readonly HttpClient _anonymous = new() { BaseAddress = stack.Api.BaseAddress };

    [Fact]
    public async Task A_valid_id_token_signs_in_the_same_account_every_time_with_a_workspace_of_its_own()
    {
        var subject = Guid.NewGuid().ToString("N");
        var first = await SignInAsync(stack.Provider.IdToken(subject, $"{subject}@example.com", emailVerified: true));
        var second = await SignInAsync(stack.Provider.IdToken(subject, $"{subject}@example.com", emailVerified: true));

        Assert.True(first.StatusCode == HttpStatusCode.OK, await first.Content.ReadAsStringAsync());
        var session = await first.Content.ReadFromJsonAsync<JsonElement>();
        var user = session.GetProperty("user");
        Assert.Equal(user.GetProperty("id").GetString(), (await second.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("user").GetProperty("id").GetString());
        Assert.Equal("owner", user.GetProperty("workspaces")[0].GetProperty("role").GetString());

        using var client = new TestUser("", "", session.GetProperty("token").GetString()!, "").Client(stack.Api.BaseAddress);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/me")).StatusCode);
    }

    [Fact]
    public async Task A_token_signed_by_another_key_or_for_another_client_is_refused()
    {
        var forged = stack.Provider.IdToken("mallory", "mallory@example.com", true, signedWith: new RsaSecurityKey(RSA.Create(2048)) { KeyId = "test-key" });
        var otherClient = stack.Provider.IdToken("mallory", "mallory@example.com", true, audience: "someone-else");

        Assert.Equal(HttpStatusCode.Unauthorized, (await SignInAsync(forged)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await SignInAsync(otherClient)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await SignInAsync("not-a-token")).StatusCode);
    }

    [Fact]
    public async Task An_existing_password_account_is_joined_only_when_the_provider_verified_the_email()
    {
        var ada = await TestAccounts.RegisterAsync(stack.Api.BaseAddress, "Ada");

        var unverified = await SignInAsync(stack.Provider.IdToken(Guid.NewGuid().ToString("N"), ada.Email, emailVerified: false));
        Assert.Equal(HttpStatusCode.Unauthorized, unverified.StatusCode);

        var verified = await SignInAsync(stack.Provider.IdToken(Guid.NewGuid().ToString("N"), ada.Email, emailVerified: true));
        Assert.Equal(HttpStatusCode.OK, verified.StatusCode);
        Assert.Equal(ada.Id, (await verified.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("user").GetProperty("id").GetString());
    }

    [Fact]
    public async Task The_console_signs_in_through_the_provider_and_lands_where_it_was_going()
    {
        stack.Provider.SignInAs = "ada-" + Guid.NewGuid().ToString("N");
        using var browser = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = true })
        {
            BaseAddress = stack.Web.BaseAddress,
        };

        var login = await browser.GetStringAsync("/login");
        Assert.Contains("Sign in with Test IdP", login);

        var landed = await browser.GetAsync("/login/oidc?returnUrl=%2Fdatasets");
        Assert.True(landed.StatusCode == HttpStatusCode.OK, await landed.Content.ReadAsStringAsync());
        Assert.Equal("/datasets", landed.RequestMessage!.RequestUri!.AbsolutePath);
        var html = await landed.Content.ReadAsStringAsync();
        Assert.Contains("data-testid=\"user-menu\"", html);
        Assert.Contains("Grace Hopper", html);
        // The Api checked the provider's ID token and made the account (the Web does not trust the token itself).
        await using var redis = await ConnectionMultiplexer.ConnectAsync(stack.Redis.ConnectionString);
        var linked = await redis.GetServers()[0].KeysAsync(pattern: $"finetune:user-by-oidc:*:{stack.Provider.SignInAs}").ToListAsync();
        Assert.Single(linked);

        // Without the provider's round trip, the console still sends a visitor to sign in.
        using var stranger = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer() }) { BaseAddress = stack.Web.BaseAddress };
        var refused = await stranger.GetAsync("/datasets");
        Assert.Equal("/login", refused.RequestMessage!.RequestUri!.AbsolutePath);
    }

    private Task<HttpResponseMessage> SignInAsync(string idToken) =>
        _anonymous.PostAsJsonAsync("/api/account/sessions/oidc", new { idToken });

    public void Dispose() => _anonymous.Dispose();
}
