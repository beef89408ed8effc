using Microsoft.Extensions.Options;

namespace FineTune.Api.Accounts;

public sealed class BootstrapOptions
{
    public const string Section = "FineTune:Bootstrap";

    // Given at start-up (env FineTune__Bootstrap__AdminToken), so scripts and CI can sign in without clicking.
    public string? AdminToken { get; set; }
}

// Makes sure the default workspace exists with the admin as its owner (records stored before
// workspaces existed belong there: StoreMigrations lists them), and that the admin token in
// configuration signs in as the admin before the Api serves requests. Only that one: the token an
// earlier start was given is revoked once the setting changes or goes.
public sealed class AdminBootstrap(
    ApiTokenStore tokens,
    UserStore users,
    WorkspaceStore workspaces,
    TimeProvider time,
    IOptions<BootstrapOptions> options,
    ILogger<AdminBootstrap> logger)
    : IHostedService
{
    public const string AdminId = "admin";
    public const string AdminTokenId = "tok_bootstrap";

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (await users.GetAsync(AdminId) is null)
        {
            await users.CreateAsync(new UserAccount(AdminId, "Admin", null, now) { DefaultWorkspaceId = Workspace.DefaultId });
        }
        await workspaces.EnsureAsync(new Workspace(Workspace.DefaultId, "Default workspace", AdminId, now), AdminId);

        if (string.IsNullOrWhiteSpace(options.Value.AdminToken))
        {
            await tokens.RevokeAsync(AdminId, AdminTokenId);
            logger.LogWarning("No FineTune:Bootstrap:AdminToken is set; only accounts and the tokens they made can sign in");
            return;
        }
        await tokens.AddAsync(options.Value.AdminToken, new ApiToken(AdminTokenId, AdminId, "Admin token from configuration", ApiToken.Bootstrap, now, null));
        logger.LogInformation("Admin token from configuration is ready");
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
