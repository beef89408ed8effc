using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Http.HttpResults;

namespace FineTune.Web.Account;

public static class AccountEndpoints
{
    // Logging in is the /login page (a static form post); logging out is a form post from the app bar.
    public static IEndpointRouteBuilder MapAccountEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost("/logout", LogOutAsync).WithName("LogOut").ExcludeFromDescription();
        return app;
    }

    private static async Task<Results<RedirectHttpResult, BadRequest>> LogOutAsync(HttpContext context, IAntiforgery antiforgery)
    {
        // The endpoint binds no form, so the antiforgery middleware would not reject a forged post by itself.
        if (!await antiforgery.IsRequestValidAsync(context))
        {
            return TypedResults.BadRequest();
        }
        await context.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
        return TypedResults.LocalRedirect("/login");
    }
}
