using FineTune.Web.Account;
using FineTune.Web.Api;
using Microsoft.AspNetCore.Components.Authorization;

namespace FineTune.Web.Workspaces;

// The workspace the signed-in user works in, with their role there, and the others they belong to.
// The choice rides in the sign-in cookie (FineTuneClaims.WorkspaceId, changed at /workspaces/switch/{id});
// the memberships come from GET /api/me, read once per scope: per request, or per circuit (a page load
// reads them again). A choice the user no longer belongs to falls back to their default workspace.
public sealed class CurrentWorkspace(AuthenticationStateProvider authentication, SignedInUserToken token, FineTuneApiClientFactory apis)
    : IWorkspaceSource
{
    private Task<Me>? _me;

    public async Task<WorkspaceMembership> GetAsync(CancellationToken ct = default)
    {
        var me = await GetMeAsync(ct);
        var chosen = (await authentication.GetAuthenticationStateAsync()).User.FindWorkspaceId();
        return me.Workspaces.FirstOrDefault(w => w.Id == chosen)
            ?? me.Workspaces.FirstOrDefault(w => w.Id == me.DefaultWorkspaceId)
            ?? (me.Workspaces.Count > 0 ? me.Workspaces[0] : null)
            // Removed from every workspace: the Api answers 404 to everything in it, pages say so, and
            // the workspace menu still offers to create one.
            ?? new WorkspaceMembership(me.DefaultWorkspaceId, "No workspace", WorkspaceRole.Viewer);
    }

    public async Task<IReadOnlyList<WorkspaceMembership>> ListAsync(CancellationToken ct = default) =>
        (await GetMeAsync(ct)).Workspaces;

    public async Task<Me> GetMeAsync(CancellationToken ct = default)
    {
        // Shared by every component of the scope, so no one caller's cancellation may end it; a failed
        // read is not kept, so the next call tries again.
        if (_me is null || _me.IsFaulted || _me.IsCanceled)
        {
            _me = apis.Create(token).GetMeAsync(CancellationToken.None);
        }
        return await _me.WaitAsync(ct);
    }

    async ValueTask<string> IWorkspaceSource.GetWorkspaceIdAsync(CancellationToken cancellationToken) =>
        (await GetAsync(cancellationToken)).Id;
}
