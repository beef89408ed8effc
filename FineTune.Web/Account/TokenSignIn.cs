using System.Security.Claims;
using FineTune.Web.Api;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;

namespace FineTune.Web.Account;

// Signs a user in with their Api token: the Api decides whether the token is good (GET /api/me),
// the Web only remembers it in its cookie.
public sealed class TokenSignIn(FineTuneApiClientFactory apis, ILogger<TokenSignIn> logger)
{
    public async Task<string?> SignInAsync(HttpContext context, string token)
    {
        ApiUser user;
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

        var identity = new ClaimsIdentity(
            [
                new Claim(ClaimTypes.NameIdentifier, user.Id),
                new Claim(ClaimTypes.Name, user.Name),
                new Claim(FineTuneClaims.ApiToken, token),
            ],
            CookieAuthenticationDefaults.AuthenticationScheme);
        await context.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme, new ClaimsPrincipal(identity));
        logger.LogInformation("User {UserId} signed in", user.Id);
        return null;
    }

    // Only local paths, so the login page cannot be used to send someone elsewhere.
    public static string SafeReturnUrl(string? returnUrl) =>
        !string.IsNullOrEmpty(returnUrl) && returnUrl.StartsWith('/') && !returnUrl.StartsWith("//") && !returnUrl.StartsWith("/\\")
            ? returnUrl
            : "/jobs";
}
