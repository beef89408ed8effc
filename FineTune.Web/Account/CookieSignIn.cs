using System.Security.Claims;
using FineTune.Web.Api;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;

namespace FineTune.Web.Account;

// Signs a user in to the Web: the Api decides who they are (a password gives a session token, a token
// is checked with GET /api/me), the Web only remembers the token and the chosen workspace in its cookie.
// Each method returns what to tell the user when it fails, or null.
public sealed class CookieSignIn(FineTuneApiClientFactory apis, ILogger<CookieSignIn> logger)
{
    private const string Scheme = CookieAuthenticationDefaults.AuthenticationScheme;

    public async Task<string?> SignInWithPasswordAsync(HttpContext context, string email, string password)
    {
        SessionResponse session;
        try
        {
            session = await apis.Anonymous().SignInAsync(new SignInRequest(email, password), context.RequestAborted);
        }
        catch (FineTuneApiException ex) when (ex.IsUnauthorized)
        {
            return "Wrong email or password. Check both and try again.";
        }
        catch (FineTuneApiException ex)
        {
            // 429 while the email is locked: the Api says for how long.
            logger.LogInformation("Password sign-in refused: {Status}", ex.StatusCode);
            return ex.UserMessage;
        }
        await IssueCookieAsync(context, session.User, session.Token, FineTuneClaims.SessionTokenKind);
        return null;
    }

    public async Task<string?> SignInWithTokenAsync(HttpContext context, string token)
    {
        Me user;
        try
        {
            user = await apis.ForToken(token).GetMeAsync(context.RequestAborted);
        }
        catch (FineTuneApiException ex) when (ex.IsUnauthorized)
        {
            return "The Api did not accept this token. Check it and try again (an admin token is set with FineTune:Bootstrap:AdminToken).";
        }
        catch (FineTuneApiException ex)
        {
            logger.LogWarning(ex, "Sign-in failed because the Api could not check the token");
            return ex.UserMessage;
        }
        await IssueCookieAsync(context, user, token, tokenKind: null);
        return null;
    }

    // False when the user does not belong to the workspace (the Api answers 404).
    public async Task<bool> SwitchWorkspaceAsync(HttpContext context, string workspaceId)
    {
        var token = context.User.FindApiToken();
        if (token is null) return false;
        try
        {
            await apis.ForToken(token).GetWorkspaceAsync(workspaceId, context.RequestAborted);
        }
        catch (FineTuneApiException ex) when (ex.IsNotFound)
        {
            return false;
        }
        // The same cookie with another workspace claim, keeping its expiry.
        var current = await context.AuthenticateAsync(Scheme);
        var claims = context.User.Claims.Where(c => c.Type != FineTuneClaims.WorkspaceId)
            .Append(new Claim(FineTuneClaims.WorkspaceId, workspaceId));
        await context.SignInAsync(Scheme, new ClaimsPrincipal(new ClaimsIdentity(claims, Scheme)), current.Properties);
        return true;
    }

    public async Task SignOutAsync(HttpContext context)
    {
        // A session token is worth nothing after sign-out, so it is revoked rather than left to expire;
        // a personal or admin token the user signed in with keeps working for their scripts.
        if (context.User.FindFirst(FineTuneClaims.TokenKind)?.Value == FineTuneClaims.SessionTokenKind
            && context.User.FindApiToken() is { } token)
        {
            try
            {
                await apis.ForToken(token).SignOutAsync(context.RequestAborted);
            }
            catch (FineTuneApiException ex)
            {
                logger.LogWarning(ex, "Could not revoke the session token at sign-out; it expires by itself");
            }
        }
        await context.SignOutAsync(Scheme);
    }

    // Single sign-on: the provider's ID token is exchanged with the Api for a session; the principal it
    // returns becomes the cookie (the OpenID Connect handler signs it in), or null with the reason.
    public async Task<(ClaimsPrincipal? Principal, string? Refusal)> SignInWithOidcAsync(string idToken, CancellationToken cancellationToken)
    {
        try
        {
            var session = await apis.Anonymous().SignInWithOidcAsync(idToken, cancellationToken);
            logger.LogInformation("User {UserId} signed in through single sign-on", session.User.Id);
            return (Principal(session.User, session.Token, FineTuneClaims.SessionTokenKind), null);
        }
        catch (FineTuneApiException ex)
        {
            logger.LogWarning("Single sign-on refused by the Api: {Status}", ex.StatusCode);
            return (null, ex.UserMessage);
        }
    }

    private async Task IssueCookieAsync(HttpContext context, Me user, string token, string? tokenKind)
    {
        await context.SignInAsync(Scheme, Principal(user, token, tokenKind));
        logger.LogInformation("User {UserId} signed in", user.Id);
    }

    private static ClaimsPrincipal Principal(Me user, string token, string? tokenKind)
    {
        List<Claim> claims =
        [
            new(ClaimTypes.NameIdentifier, user.Id),
            new(ClaimTypes.Name, user.Name),
            new(FineTuneClaims.ApiToken, token),
            new(FineTuneClaims.WorkspaceId, user.DefaultWorkspaceId),
        ];
        if (tokenKind is not null) claims.Add(new Claim(FineTuneClaims.TokenKind, tokenKind));
        return new ClaimsPrincipal(new ClaimsIdentity(claims, Scheme));
    }

    // Only local paths, so the sign-in page cannot be used to send someone elsewhere.
    public static string SafeReturnUrl(string? returnUrl) =>
        !string.IsNullOrEmpty(returnUrl) && returnUrl.StartsWith('/')
            && !returnUrl.StartsWith("//", StringComparison.Ordinal) && !returnUrl.StartsWith("/\\", StringComparison.Ordinal)
            ? returnUrl
            : "/jobs";
}
