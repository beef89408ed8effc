namespace FineTune.Api.Accounts;

// A person who signs in. PasswordHash is null for accounts that only sign in with a token or
// through OpenID Connect.
public sealed record UserAccount(string Id, string Name, string? Email, DateTimeOffset CreatedAt)
{
    public string? PasswordHash { get; init; }

    // Where the console opens and where Api calls without a FineTune-Workspace header go.
    public required string DefaultWorkspaceId { get; init; }

    public static string NormalizeEmail(string email) => email.Trim().ToUpperInvariant();

    // ASP.NET Core Identity's password hasher (PBKDF2), for hashing at sign-up and checking at sign-in.
    public static readonly Microsoft.AspNetCore.Identity.PasswordHasher<UserAccount> Passwords = new();
}
