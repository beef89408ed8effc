using FineTune.Api.Audit;

namespace FineTune.Api.Accounts;

// Opens an account with a workspace of its own: at sign-up with a password, or at a first single sign-on.
public sealed class NewAccounts(UserStore users, WorkspaceStore workspaces, AuditLog audit, TimeProvider time)
{
    // Null when an account already has the email. how says, in the audit log, how the account came to be.
    public async Task<UserAccount?> OpenAsync(string name, string? email, string? password, string how)
    {
        var now = time.GetUtcNow();
        var userId = "user_" + Guid.NewGuid().ToString("N")[..16];
        var workspace = new Workspace("ws_" + Guid.NewGuid().ToString("N")[..16], $"{name}'s workspace", userId, now);
        var account = new UserAccount(userId, name, email, now) { DefaultWorkspaceId = workspace.Id };
        if (password is not null) account = account with { PasswordHash = UserAccount.Passwords.HashPassword(account, password) };
        if (!await users.CreateAsync(account)) return null;

        await workspaces.CreateAsync(workspace, userId);
        await audit.RecordAsync(workspace.Id, userId, name, AuditAction.WorkspaceCreated, "workspace", workspace.Id, workspace.Name, how);
        return account;
    }
}
