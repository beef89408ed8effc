using FineTune.Web.Api;

namespace FineTune.Web.Workspaces;

// The current workspace's members and, for an owner, its open invitations, with the changes an owner makes
// to them. Every change is followed by the lists as the Api has them, also after a refusal.
public sealed class MembersPageState(FineTuneApiClient api, CurrentWorkspace workspaces)
{
    public static readonly IReadOnlyList<WorkspaceRole> Roles = [WorkspaceRole.Viewer, WorkspaceRole.Member, WorkspaceRole.Owner];

    public WorkspaceMembership? Workspace { get; private set; }

    public string? MyId { get; private set; }

    public IReadOnlyList<WorkspaceMember>? Members { get; private set; }

    public IReadOnlyList<Invitation>? Invitations { get; private set; }

    public string? Error { get; set; }

    public bool Busy { get; private set; }

    public bool IsOwner => Workspace?.Role == WorkspaceRole.Owner;

    public WorkspaceRole InviteRole { get; set; } = WorkspaceRole.Member;

    public int InviteHours { get; set; } = 72;

    // The last invitation made, shown once.
    public string? NewLink { get; private set; }

    public async Task LoadAsync()
    {
        try
        {
            Workspace = await workspaces.GetAsync();
            MyId = (await workspaces.GetMeAsync()).Id;
        }
        catch (FineTuneApiException ex)
        {
            Error = ex.UserMessage;
            return;
        }
        await LoadListsAsync();
    }

    // The last owner cannot be demoted: the Api answers 409 with what to do, and the list shows the role as it stays.
    public Task<bool> SetRoleAsync(WorkspaceMember member, WorkspaceRole role) =>
        ChangeAsync(() => api.SetMemberRoleAsync(Workspace!.Id, member.UserId, role));

    public Task<bool> RemoveAsync(WorkspaceMember member) =>
        ChangeAsync(() => api.RemoveMemberAsync(Workspace!.Id, member.UserId));

    public Task<bool> RevokeAsync(Invitation invitation) =>
        ChangeAsync(() => api.RevokeInvitationAsync(Workspace!.Id, invitation.Id));

    // The link to send is `baseUri` + invite/{token}.
    public async Task InviteAsync(string baseUri)
    {
        Busy = true;
        Error = null;
        try
        {
            var issued = await api.CreateInvitationAsync(Workspace!.Id, new CreateInvitationRequest(InviteRole, InviteHours));
            NewLink = baseUri + "invite/" + issued.Token;
            Invitations = await api.GetInvitationsAsync(Workspace.Id);
        }
        catch (FineTuneApiException ex)
        {
            Error = ex.Errors.Count > 0 ? string.Join(" ", ex.Errors.Values.SelectMany(m => m)) : ex.UserMessage;
        }
        finally
        {
            Busy = false;
        }
    }

    public static string RoleName(WorkspaceRole role) => role.ToString().ToLowerInvariant();

    private async Task LoadListsAsync()
    {
        try
        {
            Members = await api.GetMembersAsync(Workspace!.Id);
            Invitations = IsOwner ? await api.GetInvitationsAsync(Workspace.Id) : null;
        }
        catch (FineTuneApiException ex)
        {
            Error = ex.UserMessage;
        }
    }

    // True when the Api made the change.
    private async Task<bool> ChangeAsync(Func<Task> change)
    {
        Busy = true;
        Error = null;
        var done = false;
        try
        {
            await change();
            done = true;
        }
        catch (FineTuneApiException ex) when (ex.StatusCode is System.Net.HttpStatusCode.Conflict && ex.ProblemTitle is not null)
        {
            // The last owner: "A workspace needs an owner. Make someone else an owner first."
            Error = $"{ex.ProblemTitle}. {ex.Message}";
        }
        catch (FineTuneApiException ex)
        {
            Error = ex.UserMessage;
        }
        await LoadListsAsync();
        Busy = false;
        return done;
    }
}
