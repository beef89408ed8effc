using FineTune.Web.Api;
using Microsoft.AspNetCore.Components.Authorization;

namespace FineTune.Web.Account;

// The signed-in user's Api token, read from their claims. Works in static SSR (the HttpContext's user)
// and in an interactive circuit (the user the circuit started with), where HttpContext is not available.
public sealed class SignedInUserToken(AuthenticationStateProvider authentication) : IApiTokenSource
{
    public async ValueTask<string?> GetTokenAsync()
    {
        var state = await authentication.GetAuthenticationStateAsync();
        return state.User.FindApiToken();
    }
}
