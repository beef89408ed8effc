namespace FineTune.Web.Api;

// The Api's account routes (FineTune.Api/Accounts/AccountsApi.cs) as the Web reads and writes them.

public sealed record RegisterRequest(string Email, string Name, string Password);

public sealed record SignInRequest(string Email, string Password);

// POST /api/account/sessions: a browser session's token and who it belongs to.
public sealed record SessionResponse(string Token, DateTimeOffset? ExpiresAt, ApiUser User);

public sealed record CreateTokenRequest(string Name, int? ExpiresInDays);

// A personal access token as the Api lists it: never its secret.
public sealed record PersonalToken(string Id, string Name, DateTimeOffset CreatedAt, DateTimeOffset? ExpiresAt);

// A token just made: the only time its secret is shown.
public sealed record IssuedToken(PersonalToken Token, string Secret);
