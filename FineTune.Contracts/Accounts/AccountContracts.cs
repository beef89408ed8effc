namespace FineTune.Contracts;

// The account routes' shapes (FineTune.Api/Accounts/AccountsApi.cs).

public sealed record RegisterRequest(string Email, string Name, string Password);

public sealed record SignInRequest(string Email, string Password);

public sealed record OidcTokenRequest(string IdToken);

// POST /api/account/sessions: a browser session's token and who it belongs to.
public sealed record SessionResponse(string Token, DateTimeOffset? ExpiresAt, Me User);

// GET /api/me: the caller and the workspaces they belong to.
public sealed record Me(string Id, string Name, string? Email, string DefaultWorkspaceId, IReadOnlyList<WorkspaceMembership> Workspaces);

public sealed record CreateTokenRequest(string Name, int? ExpiresInDays);

// A token as FineTune keeps and lists it: never the secret itself.
public sealed record ApiToken(string Id, string UserId, string Name, string Kind, DateTimeOffset CreatedAt, DateTimeOffset? ExpiresAt)
{
    // A personal access token, made by its owner for scripts and the CLI.
    public const string Personal = "personal";

    // A browser session's token, made at sign-in and revoked at sign-out.
    public const string Session = "session";

    // The admin token given in configuration.
    public const string Bootstrap = "bootstrap";
}

// A newly made token: the only time its secret is shown.
public sealed record IssuedToken(ApiToken Token, string Secret);
