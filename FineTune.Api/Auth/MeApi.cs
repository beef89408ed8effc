using System.Security.Claims;

namespace FineTune.Api.Auth;

public static class MeApi
{
    public static IEndpointRouteBuilder MapMeApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/me", GetMe)
            .WithName("GetMe")
            .WithSummary("The signed-in user")
            .WithTags("Account")
            .RequireAuthorization();
        return app;
    }

    public static Ok<ApiUser> GetMe(ClaimsPrincipal user) =>
        TypedResults.Ok(new ApiUser(user.UserId(), user.FindFirstValue(ClaimTypes.Name)!));
}
