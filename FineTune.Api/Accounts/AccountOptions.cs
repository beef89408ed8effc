using System.ComponentModel.DataAnnotations;

namespace FineTune.Api.Accounts;

// FineTune:Accounts, validated on start.
public sealed class AccountOptions
{
    public const string Section = "FineTune:Accounts";

    private const string Tick = "00:00:00.0000001";
    private const string Forever = "10675199.02:48:05.4775807";

    // Anyone who can reach the console may create an account (and gets a workspace of their own);
    // turn off to admit people by invitation only.
    public bool AllowSignUp { get; set; } = true;

    [Range(1, int.MaxValue, ErrorMessage = $"{Section}:MinPasswordLength must be at least 1.")]
    public int MinPasswordLength { get; set; } = 10;

    // After this many wrong passwords for one email, sign-in is refused until the lockout ends.
    [Range(1, int.MaxValue, ErrorMessage = $"{Section}:MaxFailedSignIns must be at least 1.")]
    public int MaxFailedSignIns { get; set; } = 5;

    [Range(typeof(TimeSpan), Tick, Forever, ErrorMessage = $"{Section}:LockoutDuration must be positive.")]
    public TimeSpan LockoutDuration { get; set; } = TimeSpan.FromMinutes(15);

    // How long a browser session's token lives; the Web's cookie slides within it.
    [Range(typeof(TimeSpan), Tick, Forever, ErrorMessage = $"{Section}:SessionLifetime must be positive.")]
    public TimeSpan SessionLifetime { get; set; } = TimeSpan.FromDays(7);
}
