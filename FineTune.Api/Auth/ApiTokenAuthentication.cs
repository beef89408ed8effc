using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using FineTune.Core;
using FineTune.Core.Redis;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace FineTune.Api.Auth;

public sealed record ApiUser(string Id, string Name);

// Tokens are stored only as their SHA-256, so a copy of Redis gives no one a usable token.
public sealed class ApiTokenStore(IConnectionMultiplexer redis)
{
    public async Task<ApiUser?> FindUserAsync(string token)
    {
        var json = await redis.GetDatabase().StringGetAsync(RedisKeys.Token(Hash(token)));
        return json.IsNull ? null : FineTuneJson.Deserialize<ApiUser>(json.ToString());
    }

    public Task AddAsync(string token, ApiUser user) =>
        redis.GetDatabase().StringSetAsync(RedisKeys.Token(Hash(token)), FineTuneJson.Serialize(user));

    private static string Hash(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));
}

public sealed class ApiTokenAuthenticationOptions : AuthenticationSchemeOptions;

// Authorization: Bearer <token>, looked up in the token store.
public sealed class ApiTokenAuthentication(
    IOptionsMonitor<ApiTokenAuthenticationOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    ApiTokenStore tokens)
    : AuthenticationHandler<ApiTokenAuthenticationOptions>(options, logger, encoder)
{
    public const string SchemeName = "Bearer";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var header = Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)) return AuthenticateResult.NoResult();

        var user = await tokens.FindUserAsync(header["Bearer ".Length..].Trim());
        if (user is null) return AuthenticateResult.Fail("The token is not known.");

        var identity = new ClaimsIdentity(
            [new Claim(ClaimTypes.NameIdentifier, user.Id), new Claim(ClaimTypes.Name, user.Name)], SchemeName);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName));
    }
}

public static class ClaimsPrincipalExtensions
{
    public static string UserId(this ClaimsPrincipal user) => user.FindFirstValue(ClaimTypes.NameIdentifier)!;
}
