using System.Net.Mail;
using System.Security.Claims;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace FineTune.Api.Accounts;

public static class AccountsApi
{
    public static IEndpointRouteBuilder MapAccountsApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/me", GetMe).WithName("GetMe").WithTags("Account")
            .WithSummary("The signed-in user and the workspaces they belong to, with their role in each")
            .RequireAuthorization();

        var api = app.MapGroup("/api/account").WithTags("Account");
        api.MapPost("/register", Register).WithName("Register").AllowAnonymous()
            .WithSummary("Create an account with email and password; it gets a workspace of its own");
        api.MapPost("/sessions", SignIn).WithName("SignIn").AllowAnonymous()
            .WithSummary("Sign in with email and password; returns a session token (locked for a while after repeated failures)");
        api.MapPost("/sessions/oidc", SignInWithOidc).WithName("SignInWithOidc").AllowAnonymous()
            .WithSummary("Sign in with an ID token from the configured OpenID Connect provider (FineTune:Oidc); returns a session token");
        api.MapDelete("/sessions/current", SignOut).WithName("SignOut").RequireAuthorization()
            .WithSummary("Revoke the token this request carries");
        api.MapGet("/tokens", ListTokens).WithName("ListTokens").RequireAuthorization()
            .WithSummary("Your personal access tokens (never their secrets)");
        api.MapPost("/tokens", CreateToken).WithName("CreateToken").RequireAuthorization()
            .WithSummary("Make a personal access token for the Api and the CLI; its secret is shown only in this answer");
        api.MapDelete("/tokens/{tokenId}", RevokeToken).WithName("RevokeToken").RequireAuthorization()
            .WithSummary("Revoke one of your personal access tokens");
        return app;
    }

    public static async Task<Results<Ok<Me>, UnauthorizedHttpResult>> GetMe(ClaimsPrincipal user, [AsParameters] AccountServices services) =>
        await services.Users.GetAsync(user.UserId()) is { } account
            ? TypedResults.Ok(await DescribeAsync(account, services.Workspaces))
            : TypedResults.Unauthorized();

    public static async Task<Results<Created<Me>, ValidationProblem, Conflict<ProblemDetails>, ProblemHttpResult>> Register(
        RegisterRequest request, [AsParameters] AccountServices services)
    {
        if (!services.Options.Value.AllowSignUp)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Sign-up is closed",
                detail: "Ask a workspace owner for an invitation link.");
        }
        var errors = new Dictionary<string, string[]>();
        if (!IsEmail(request.Email)) errors["email"] = ["Enter an email address such as ada@example.com."];
        if (string.IsNullOrWhiteSpace(request.Name)) errors["name"] = ["Enter your name."];
        else if (request.Name.Length > 100) errors["name"] = ["Use at most 100 characters."];
        if ((request.Password ?? "").Length < services.Options.Value.MinPasswordLength)
        {
            errors["password"] = [$"Use at least {services.Options.Value.MinPasswordLength} characters."];
        }
        if (errors.Count > 0) return TypedResults.ValidationProblem(errors, title: "The account cannot be created");

        var account = await services.NewAccounts.OpenAsync(request.Name.Trim(), request.Email.Trim(), request.Password!, "with the account's sign-up");
        if (account is null)
        {
            return ApiProblems.Conflict("The email is taken", "An account with this email exists; sign in instead.");
        }
        return TypedResults.Created("/api/me", await DescribeAsync(account, services.Workspaces));
    }

    public static async Task<Results<Ok<SessionResponse>, ProblemHttpResult>> SignIn(SignInRequest request, [AsParameters] AccountServices services)
    {
        if (await services.Lockout.LockedForAsync(request.Email ?? "") is { } lockedFor)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status429TooManyRequests, title: "Too many failed sign-ins",
                detail: $"Sign-in for this email is locked for {Math.Ceiling(lockedFor.TotalMinutes)} more minute(s) after repeated wrong passwords.");
        }

        var account = string.IsNullOrWhiteSpace(request.Email) ? null : await services.Users.FindByEmailAsync(request.Email);
        // A password is hashed whether or not the account exists, so the time taken does not tell either.
        var verified = UserAccount.Passwords.VerifyHashedPassword(account ?? NoAccount, account?.PasswordHash ?? NoAccountHash, request.Password ?? "")
            != PasswordVerificationResult.Failed && account?.PasswordHash is not null;
        if (!verified)
        {
            await services.Lockout.RecordFailureAsync(request.Email ?? "");
            return TypedResults.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Wrong email or password",
                detail: "Check both and try again.");
        }

        await services.Lockout.ResetAsync(request.Email!);
        var issued = await services.Tokens.IssueAsync(account!.Id, "Browser session", ApiToken.Session, services.Options.Value.SessionLifetime);
        return TypedResults.Ok(new SessionResponse(issued.Secret, issued.Token.ExpiresAt, await DescribeAsync(account, services.Workspaces)));
    }

    public static async Task<Results<Ok<SessionResponse>, NotFound, ProblemHttpResult>> SignInWithOidc(
        OidcTokenRequest request, [AsParameters] AccountServices services, CancellationToken cancellationToken)
    {
        if (!services.Oidc.Enabled) return TypedResults.NotFound();
        var (account, refusal) = await services.Oidc.SignInAsync(request.IdToken ?? "", cancellationToken);
        if (account is null)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Single sign-on refused", detail: refusal);
        }
        var issued = await services.Tokens.IssueAsync(account.Id, "Browser session (single sign-on)", ApiToken.Session, services.Options.Value.SessionLifetime);
        return TypedResults.Ok(new SessionResponse(issued.Secret, issued.Token.ExpiresAt, await DescribeAsync(account, services.Workspaces)));
    }

    public static async Task<NoContent> SignOut(ClaimsPrincipal user, [AsParameters] AccountServices services)
    {
        await services.Tokens.RevokeAsync(user.UserId(), user.FindFirstValue(ApiTokenAuthentication.TokenIdClaim)!);
        return TypedResults.NoContent();
    }

    public static async Task<Ok<IReadOnlyList<ApiToken>>> ListTokens(ClaimsPrincipal user, [AsParameters] AccountServices services) =>
        TypedResults.Ok(await services.Tokens.ListAsync(user.UserId(), ApiToken.Personal));

    public static async Task<Results<Created<IssuedToken>, ValidationProblem>> CreateToken(
        CreateTokenRequest request, ClaimsPrincipal user, [AsParameters] AccountServices services)
    {
        var errors = new Dictionary<string, string[]>();
        if (string.IsNullOrWhiteSpace(request.Name)) errors["name"] = ["Name the token after where it will be used, e.g. \"CI\"."];
        else if (request.Name.Length > 100) errors["name"] = ["Use at most 100 characters."];
        if (request.ExpiresInDays is < 1 or > 365) errors["expiresInDays"] = ["Choose between 1 and 365 days, or leave it empty for no expiry."];
        if (errors.Count > 0) return TypedResults.ValidationProblem(errors, title: "The token cannot be made");

        var issued = await services.Tokens.IssueAsync(user.UserId(), request.Name.Trim(), ApiToken.Personal,
            request.ExpiresInDays is { } days ? TimeSpan.FromDays(days) : null);
        return TypedResults.Created($"/api/account/tokens/{issued.Token.Id}", issued);
    }

    public static async Task<Results<NoContent, NotFound>> RevokeToken(string tokenId, ClaimsPrincipal user, [AsParameters] AccountServices services) =>
        await services.Tokens.RevokeAsync(user.UserId(), tokenId) ? TypedResults.NoContent() : TypedResults.NotFound();

    private static readonly UserAccount NoAccount = new("none", "none", null, DateTimeOffset.UnixEpoch) { DefaultWorkspaceId = "none" };
    private static readonly string NoAccountHash = UserAccount.Passwords.HashPassword(NoAccount, Guid.NewGuid().ToString());

    private static async Task<Me> DescribeAsync(UserAccount account, WorkspaceStore workspaces) =>
        new(account.Id, account.Name, account.Email, account.DefaultWorkspaceId, await workspaces.MembershipsOfUserAsync(account.Id));

    private static bool IsEmail(string? value) =>
        !string.IsNullOrWhiteSpace(value) && value.Length <= 254 && MailAddress.TryCreate(value.Trim(), out var address) && address.Address == value.Trim();
}

public sealed record AccountServices(
    UserStore Users,
    WorkspaceStore Workspaces,
    ApiTokenStore Tokens,
    SignInLockout Lockout,
    IOptions<AccountOptions> Options,
    NewAccounts NewAccounts,
    OidcSignIn Oidc);
