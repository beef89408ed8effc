using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Http.HttpResults;

namespace FineTune.Web.Account;

public static class AccountEndpoints
{
    // Signing in and registering are static form pages (/login, /register); signing out is a form post
    // from the app bar.
    public static IEndpointRouteBuilder MapAccountEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost("/logout", LogOutAsync).WithName("LogOut").ExcludeFromDescription();
        return app;
    }

    private static async Task<Results<RedirectHttpResult, BadRequest>> LogOutAsync(HttpContext context, IAntiforgery antiforgery, CookieSignIn signIn)
    {
        // The endpoint binds no form, so the antiforgery middleware would not reject a forged post by itself.
        if (!await antiforgery.IsRequestValidAsync(context))
        {
            return TypedResults.BadRequest();
        }
        await signIn.SignOutAsync(context);
        return TypedResults.LocalRedirect("/login");
    }
}
