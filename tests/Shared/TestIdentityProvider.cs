using System.Security.Claims;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace FineTune.Tests;

// Shared by the integration and end-to-end tests (linked into both projects).
// A small OpenID Connect provider on a local port: discovery document, signing keys, and the authorization
// code flow (its /authorize signs in whoever SignInAs names, without asking), plus ID tokens it signs
// directly for the Api's own checks.
public sealed class TestIdentityProvider : IAsyncDisposable
{
    public const string ClientId = "finetune-web";
    public const string ClientSecret = "test-client-secret";

    private static readonly string[] SigningAlgorithms = ["RS256"];
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
            ["id_token_signing_alg_values_supported"] = SigningAlgorithms,
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
        var publicKey = JsonWebKeyConverter.ConvertFromRSASecurityKey(new RsaSecurityKey(_key.Rsa.ExportParameters(false)) { KeyId = _key.KeyId });
        _app.MapGet("/jwks", () => Results.Json(new { keys = new[] { publicKey } }));
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
