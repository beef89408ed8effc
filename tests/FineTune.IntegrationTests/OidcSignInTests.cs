using System.Net;
using System.Net.Http.Json;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text.Json;
using FineTune.IntegrationTests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using StackExchange.Redis;

namespace FineTune.IntegrationTests;

// A small OpenID Connect provider on a local port: discovery document, signing keys, and the authorization
// code flow (its /authorize signs in whoever SignInAs names, without asking), plus ID tokens it signs
// directly for the Api's own checks.
public sealed class TestIdentityProvider : IAsyncDisposable
{
    public const string ClientId = "finetune-web";
    public const string ClientSecret = "test-client-secret";

    private readonly WebApplication _app;
    private readonly RsaSecurityKey _key = new(RSA.Create(2048)) { KeyId = "test-key" };

    public TestIdentityProvider()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        _app = builder.Build();
        _app.MapGet("/.well-known/openid-configuration", () => Results.Json(new Dictionary<string, object>
        {
            ["issuer"] = Issuer!,
            ["jwks_uri"] = Issuer + "/jwks",
            ["authorization_endpoint"] = Issuer + "/authorize",
            ["token_endpoint"] = Issuer + "/token",
            ["id_token_signing_alg_values_supported"] = new[] { "RS256" },
        }));
        _app.MapGet("/authorize", (HttpRequest request) =>
        {
            var code = Guid.NewGuid().ToString("N");
            _codes[code] = (SignInAs, request.Query["nonce"].ToString());
            var back = $"{request.Query["redirect_uri"]}?code={code}&state={Uri.EscapeDataString(request.Query["state"].ToString())}";
            return Results.Redirect(back);
        });
        _app.MapPost("/token", async (HttpRequest request) =>
        {
            var form = await request.ReadFormAsync();
            if (form["client_secret"] != ClientSecret || !_codes.TryRemove(form["code"].ToString(), out var granted)) return Results.BadRequest(new { error = "invalid_grant" });
            var accessToken = Guid.NewGuid().ToString("N");
            var atHash = Base64UrlEncoder.Encode(SHA256.HashData(System.Text.Encoding.ASCII.GetBytes(accessToken))[..16]);
            var idToken = IdToken(granted.Subject, $"{granted.Subject}@example.com", emailVerified: true,
                extra: [new Claim("nonce", granted.Nonce), new Claim("at_hash", atHash)]);
            return Results.Json(new { id_token = idToken, access_token = accessToken, token_type = "Bearer", expires_in = 300 });
        });
        _app.MapGet("/jwks", () => Results.Json(new { keys = new[] { JsonWebKeyConverter.ConvertFromRSASecurityKey(new RsaSecurityKey(_key.Rsa.ExportParameters(false)) { KeyId = _key.KeyId }) } }));
        _app.StartAsync().GetAwaiter().GetResult();
        Issuer = _app.Urls.Single();
    }

    public string Issuer { get; }

    // Who /authorize signs in next.
    public string SignInAs { get; set; } = "grace";

    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, (string Subject, string Nonce)> _codes = new();

    public string IdToken(string subject, string? email, bool emailVerified, string? audience = null, SecurityKey? signedWith = null, Claim[]? extra = null) =>
        new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = Issuer,
            Audience = audience ?? ClientId,
            Expires = DateTime.UtcNow.AddMinutes(5),
            Subject = new ClaimsIdentity(new[] { new Claim("sub", subject), new Claim("name", "Grace Hopper") }
                .Concat(email is null ? [] : [new Claim("email", email), new Claim("email_verified", emailVerified ? "true" : "false")])
                .Concat(extra ?? [])),
            SigningCredentials = new SigningCredentials(signedWith ?? _key, SecurityAlgorithms.RsaSha256),
        });

    public ValueTask DisposeAsync() => _app.DisposeAsync();
}

// Api and Web both set up for the test provider; the Web runs as a process too.
public sealed class OidcStack : FineTuneStack<GarnetRedisServer>
{
    public TestIdentityProvider Provider { get; } = new();
    public ServiceProcess Web { get; private set; } = null!;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        Web = await StartAsync("FineTune.Web", new Dictionary<string, string>
        {
            ["ConnectionStrings__redis"] = Redis.ConnectionString,
            ["services__api__http__0"] = Api.BaseAddress.ToString().TrimEnd('/'),
            ["FineTune__Oidc__Authority"] = Provider.Issuer,
            ["FineTune__Oidc__ClientId"] = TestIdentityProvider.ClientId,
            ["FineTune__Oidc__ClientSecret"] = TestIdentityProvider.ClientSecret,
            ["FineTune__Oidc__DisplayName"] = "Test IdP",
            ["FineTune__Oidc__RequireHttpsMetadata"] = "false",
        });
    }

    protected override IReadOnlyDictionary<string, string> ApiSettings => new Dictionary<string, string>
    {
        ["FineTune__Oidc__Authority"] = Provider.Issuer,
        ["FineTune__Oidc__ClientId"] = TestIdentityProvider.ClientId,
        ["FineTune__Oidc__RequireHttpsMetadata"] = "false",
    };

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await Provider.DisposeAsync();
    }
}

public sealed class OidcSignInTests(OidcStack stack) : IClassFixture<OidcStack>
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
        Assert.Contains("data-testid=\"user-name\">Grace Hopper<", await landed.Content.ReadAsStringAsync());
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
}
