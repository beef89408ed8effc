namespace FineTune.Api.Accounts;

public sealed class AccountOptions
{
    public const string Section = "FineTune:Accounts";

    // Anyone who can reach the console may create an account (and gets a workspace of their own);
    // turn off to admit people by invitation only.
    public bool AllowSignUp { get; set; } = true;

    public int MinPasswordLength { get; set; } = 10;

    // After this many wrong passwords for one email, sign-in is refused until the lockout ends.
    public int MaxFailedSignIns { get; set; } = 5;
    public TimeSpan LockoutDuration { get; set; } = TimeSpan.FromMinutes(15);

    // How long a browser session's token lives; the Web's cookie slides within it.
    public TimeSpan SessionLifetime { get; set; } = TimeSpan.FromDays(7);
}
