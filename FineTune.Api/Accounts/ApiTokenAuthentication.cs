using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace FineTune.Api.Accounts;

public sealed class ApiTokenAuthenticationOptions : AuthenticationSchemeOptions;

// Authorization: Bearer <token>, looked up in the token store; the token's user must still exist.
public sealed class ApiTokenAuthentication(
    IOptionsMonitor<ApiTokenAuthenticationOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    ApiTokenStore tokens,
    UserStore users)
    : AuthenticationHandler<ApiTokenAuthenticationOptions>(options, logger, encoder)
{
    public const string SchemeName = "Bearer";
    public const string TokenIdClaim = "finetune:token_id";

    // The account's default workspace, read here with the account so no later step reads the account again.
    public const string DefaultWorkspaceClaim = "finetune:default_workspace";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var header = Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)) return AuthenticateResult.NoResult();

        var token = await tokens.FindAsync(header["Bearer ".Length..].Trim());
        if (token is null) return AuthenticateResult.Fail("The token is not known or has expired.");
        var user = await users.GetAsync(token.UserId);
        if (user is null) return AuthenticateResult.Fail("The token's account no longer exists.");

        var identity = new ClaimsIdentity(
            [
                new Claim(ClaimTypes.NameIdentifier, user.Id),
                new Claim(ClaimTypes.Name, user.Name),
                new Claim(TokenIdClaim, token.Id),
                new Claim(DefaultWorkspaceClaim, user.DefaultWorkspaceId),
            ],
            SchemeName);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName));
    }
}

public static class ClaimsPrincipalExtensions
{
    public static string UserId(this ClaimsPrincipal user) => user.FindFirstValue(ClaimTypes.NameIdentifier)!;
}
