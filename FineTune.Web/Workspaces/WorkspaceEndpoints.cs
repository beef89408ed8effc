using FineTune.Web.Account;
using Microsoft.AspNetCore.Http.HttpResults;

namespace FineTune.Web.Workspaces;

public static class WorkspaceEndpoints
{
    public const string SwitchPathPrefix = "/workspaces/switch/";

    // A plain GET the workspace menu navigates to (forceLoad): the cookie can only change on an HTTP
    // response, and the new workspace then shows in a fresh circuit.
    public static IEndpointRouteBuilder MapWorkspaceEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet(SwitchPathPrefix + "{workspaceId}", SwitchAsync).WithName("SwitchWorkspace").RequireAuthorization().ExcludeFromDescription();
        return app;
    }

    public static string SwitchPath(string workspaceId, string returnUrl) =>
        $"{SwitchPathPrefix}{Uri.EscapeDataString(workspaceId)}?returnUrl={Uri.EscapeDataString(returnUrl)}";

    private static async Task<Results<RedirectHttpResult, ProblemHttpResult>> SwitchAsync(
        string workspaceId, string? returnUrl, HttpContext context, CookieSignIn signIn)
    {
        if (!await signIn.SwitchWorkspaceAsync(context, workspaceId))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such workspace",
                detail: "You do not belong to this workspace. Pick one of yours from the workspace menu, or ask its owner for an invitation link.");
        }
        return TypedResults.LocalRedirect(CookieSignIn.SafeReturnUrl(returnUrl));
    }
}
