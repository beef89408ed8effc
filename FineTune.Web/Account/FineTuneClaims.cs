using System.Security.Claims;

namespace FineTune.Web.Account;

// Claim types of the Web's cookie. The Api token rides in the (Data Protection encrypted) cookie so
// every Api call the Web makes on the user's behalf can carry it.
public static class FineTuneClaims
{
    public const string ApiToken = "finetune:api_token";

    // The workspace the user works in (see CurrentWorkspace); changed at /workspaces/switch/{id}.
    public const string WorkspaceId = "finetune:workspace";

    // "session" when ApiToken is a browser session made at password sign-in, which sign-out revokes;
    // absent for a personal or admin token, which outlives the browser.
    public const string TokenKind = "finetune:token_kind";

    public const string SessionTokenKind = "session";

    // The signed-in user's Api token, and the workspace they chose, as their cookie holds them.
    public static string? FindApiToken(this ClaimsPrincipal user) => user.FindFirst(ApiToken)?.Value;

    public static string? FindWorkspaceId(this ClaimsPrincipal user) => user.FindFirst(WorkspaceId)?.Value;
}
