namespace FineTune.Api.Auth;

public sealed class BootstrapOptions
{
    public const string Section = "FineTune:Bootstrap";

    // Given at start-up (env FineTune__Bootstrap__AdminToken), so scripts and CI can sign in without clicking.
    public string? AdminToken { get; set; }
}

// Makes sure the admin account with the configured token exists before the Api serves requests.
public sealed class AdminBootstrap(ApiTokenStore tokens, Microsoft.Extensions.Options.IOptions<BootstrapOptions> options, ILogger<AdminBootstrap> logger)
    : IHostedService
{
    public static readonly ApiUser Admin = new("admin", "Admin");

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(options.Value.AdminToken))
        {
            logger.LogWarning("No FineTune:Bootstrap:AdminToken is set; only existing tokens can sign in");
            return;
        }
        await tokens.AddAsync(options.Value.AdminToken, Admin);
        logger.LogInformation("Admin token from configuration is ready");
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
