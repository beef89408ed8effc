using System.Security.Claims;
using FineTune.Api.Accounts;
using FineTune.Api.Audit;
using Microsoft.AspNetCore.Mvc;

namespace FineTune.Api.Workspaces;

public static class WorkspacesApi
{
    public const int DefaultInvitationHours = 72;
    public const int MaxInvitationHours = 30 * 24;

    public static IEndpointRouteBuilder MapWorkspacesApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/workspaces").WithTags("Workspaces").RequireAuthorization();
        api.MapGet("/", ListWorkspaces).WithName("ListWorkspaces").WithSummary("The workspaces you belong to, with your role in each");
        api.MapPost("/", CreateWorkspace).WithName("CreateWorkspace").WithSummary("Create a workspace; you are its owner");
        api.MapGet("/{workspaceId}", GetWorkspace).WithName("GetWorkspace").WithSummary("A workspace and your role in it")
            .RequireRoleOnWorkspace(WorkspaceRole.Viewer);
        api.MapGet("/{workspaceId}/members", ListMembers).WithName("ListMembers").WithSummary("The workspace's members and their roles")
            .RequireRoleOnWorkspace(WorkspaceRole.Viewer);
        api.MapPut("/{workspaceId}/members/{userId}", SetMemberRole).WithName("SetMemberRole").WithSummary("Change a member's role; the last owner stays an owner")
            .RequireRoleOnWorkspace(WorkspaceRole.Owner);
        api.MapDelete("/{workspaceId}/members/{userId}", RemoveMember).WithName("RemoveMember").WithSummary("Remove a member; the last owner cannot be removed")
            .RequireRoleOnWorkspace(WorkspaceRole.Owner);
        api.MapGet("/{workspaceId}/invitations", ListInvitations).WithName("ListInvitations").WithSummary("Invitation links not yet used or expired")
            .RequireRoleOnWorkspace(WorkspaceRole.Owner);
        api.MapPost("/{workspaceId}/invitations", CreateInvitation).WithName("CreateInvitation")
            .WithSummary("Make an invitation link for a role, valid for expiresInHours (72 unless given, at most 720); the link is shown only in this answer")
            .RequireRoleOnWorkspace(WorkspaceRole.Owner);
        api.MapDelete("/{workspaceId}/invitations/{invitationId}", RevokeInvitation).WithName("RevokeInvitation").WithSummary("Revoke an invitation link")
            .RequireRoleOnWorkspace(WorkspaceRole.Owner);

        var invitations = app.MapGroup("/api/invitations").WithTags("Workspaces");
        invitations.MapGet("/{token}", PreviewInvitation).WithName("PreviewInvitation").AllowAnonymous()
            .WithSummary("What an invitation link offers: the workspace's name and the role");
        invitations.MapPost("/{token}/accept", AcceptInvitation).WithName("AcceptInvitation").RequireAuthorization()
            .WithSummary("Join the workspace with the invitation's role (a link works once)");
        return app;
    }

    internal static RouteHandlerBuilder RequireRoleOnWorkspace(this RouteHandlerBuilder builder, WorkspaceRole role) =>
        builder.RequireRoleOn<WorkspaceStore>(role, "workspaceId", async (workspaces, id) => (await workspaces.GetAsync(id))?.Id);

    public static async Task<Ok<IReadOnlyList<WorkspaceMembership>>> ListWorkspaces(ClaimsPrincipal user, [AsParameters] WorkspaceServices services) =>
        TypedResults.Ok(await services.Workspaces.MembershipsOfUserAsync(user.UserId()));

    public static async Task<Results<Created<WorkspaceMembership>, ValidationProblem>> CreateWorkspace(
        CreateWorkspaceRequest request, ClaimsPrincipal user, [AsParameters] WorkspaceServices services)
    {
        if (string.IsNullOrWhiteSpace(request.Name) || request.Name.Length > 100)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["name"] = ["Name the workspace (at most 100 characters)."] });
        }
        var workspace = new Workspace("ws_" + Guid.NewGuid().ToString("N")[..16], request.Name.Trim(), user.UserId(), services.Time.GetUtcNow());
        await services.Workspaces.CreateAsync(workspace, user.UserId());
        await services.Audit.RecordAsync(workspace.Id, user, AuditAction.WorkspaceCreated, "workspace", workspace.Id, workspace.Name);
        return TypedResults.Created($"/api/workspaces/{workspace.Id}", new WorkspaceMembership(workspace.Id, workspace.Name, WorkspaceRole.Owner));
    }

    public static async Task<Ok<WorkspaceMembership>> GetWorkspace(string workspaceId, ClaimsPrincipal user, [AsParameters] WorkspaceServices services)
    {
        var workspace = (await services.Workspaces.GetAsync(workspaceId))!;
        return TypedResults.Ok(new WorkspaceMembership(workspace.Id, workspace.Name, (await services.Access.RoleAsync(user, workspaceId))!.Value));
    }

    public static async Task<Ok<IReadOnlyList<WorkspaceMember>>> ListMembers(string workspaceId, [AsParameters] WorkspaceServices services)
    {
        var roles = await services.Workspaces.MembersAsync(workspaceId);
        var accounts = await services.Users.GetManyAsync(roles.Keys);
        IReadOnlyList<WorkspaceMember> members = accounts
            .Select(a => new WorkspaceMember(a.Id, a.Name, a.Email, roles[a.Id]))
            .OrderByDescending(m => m.Role).ThenBy(m => m.Name, StringComparer.OrdinalIgnoreCase)
            .ToList();
        return TypedResults.Ok(members);
    }

    public static async Task<Results<NoContent, NotFound, Conflict<ProblemDetails>>> SetMemberRole(
        string workspaceId, string userId, SetRoleRequest request, ClaimsPrincipal user, [AsParameters] WorkspaceServices services)
    {
        var roles = await services.Workspaces.MembersAsync(workspaceId);
        if (!roles.TryGetValue(userId, out var current)) return TypedResults.NotFound();
        if (current == WorkspaceRole.Owner && request.Role != WorkspaceRole.Owner && IsLastOwner(roles)) return LastOwner();
        await services.Workspaces.SetRoleAsync(workspaceId, userId, request.Role);
        if (current != request.Role)
        {
            await services.Audit.RecordAsync(workspaceId, user, AuditAction.MemberRoleChanged, "member", userId, (await services.Users.GetAsync(userId))?.Name,
                $"{RoleName(current)} → {RoleName(request.Role)}");
        }
        return TypedResults.NoContent();
    }

    public static async Task<Results<NoContent, NotFound, Conflict<ProblemDetails>>> RemoveMember(
        string workspaceId, string userId, ClaimsPrincipal user, [AsParameters] WorkspaceServices services)
    {
        var roles = await services.Workspaces.MembersAsync(workspaceId);
        if (!roles.TryGetValue(userId, out var current)) return TypedResults.NotFound();
        if (current == WorkspaceRole.Owner && IsLastOwner(roles)) return LastOwner();
        await services.Workspaces.RemoveMemberAsync(workspaceId, userId);
        await services.Audit.RecordAsync(workspaceId, user, AuditAction.MemberRemoved, "member", userId, (await services.Users.GetAsync(userId))?.Name,
            $"was {RoleName(current)}");
        return TypedResults.NoContent();
    }

    private static string RoleName(WorkspaceRole role) => role.ToString().ToLowerInvariant();

    private static bool IsLastOwner(IReadOnlyDictionary<string, WorkspaceRole> roles) => roles.Values.Count(r => r == WorkspaceRole.Owner) == 1;

    private static Conflict<ProblemDetails> LastOwner() => ApiProblems.Conflict("A workspace needs an owner", "Make someone else an owner first.");

    public static async Task<Ok<IReadOnlyList<Invitation>>> ListInvitations(string workspaceId, [AsParameters] WorkspaceServices services) =>
        TypedResults.Ok(await services.Invitations.ListAsync(workspaceId));

    public static async Task<Results<Created<IssuedInvitation>, ValidationProblem>> CreateInvitation(
        string workspaceId, CreateInvitationRequest request, ClaimsPrincipal user, [AsParameters] WorkspaceServices services)
    {
        var hours = request.ExpiresInHours ?? DefaultInvitationHours;
        if (hours is < 1 or > MaxInvitationHours)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]>
            {
                ["expiresInHours"] = [$"Choose between 1 and {MaxInvitationHours} hours."],
            });
        }
        var issued = await services.Invitations.IssueAsync(workspaceId, request.Role, user.UserId(), TimeSpan.FromHours(hours));
        await services.Audit.RecordAsync(workspaceId, user, AuditAction.InvitationCreated, "invitation", issued.Invitation.Id, null,
            $"as {RoleName(request.Role)}, valid for {hours} hours");
        return TypedResults.Created($"/api/workspaces/{workspaceId}/invitations/{issued.Invitation.Id}", issued);
    }

    public static async Task<Results<NoContent, NotFound>> RevokeInvitation(
        string workspaceId, string invitationId, ClaimsPrincipal user, [AsParameters] WorkspaceServices services)
    {
        if (!await services.Invitations.RemoveAsync(workspaceId, invitationId)) return TypedResults.NotFound();
        await services.Audit.RecordAsync(workspaceId, user, AuditAction.InvitationRevoked, "invitation", invitationId);
        return TypedResults.NoContent();
    }

    public static async Task<Results<Ok<InvitationPreview>, NotFound>> PreviewInvitation(
        string token, [AsParameters] WorkspaceServices services)
    {
        if (await services.Invitations.FindAsync(token) is not { } invitation || await services.Workspaces.GetAsync(invitation.WorkspaceId) is not { } workspace)
        {
            return TypedResults.NotFound();
        }
        var inviter = await services.Users.GetAsync(invitation.CreatedBy);
        return TypedResults.Ok(new InvitationPreview(workspace.Name, invitation.Role, inviter?.Name ?? "An owner", invitation.ExpiresAt));
    }

    public static async Task<Results<Ok<WorkspaceMembership>, NotFound>> AcceptInvitation(
        string token, ClaimsPrincipal user, [AsParameters] WorkspaceServices services)
    {
        if (await services.Invitations.FindAsync(token) is not { } invitation
            || await services.Workspaces.GetAsync(invitation.WorkspaceId) is not { } workspace
            || !await services.Invitations.RemoveAsync(invitation.WorkspaceId, invitation.Id))
        {
            return TypedResults.NotFound();
        }
        // Accepting never lowers a role someone already has.
        var current = (await services.Workspaces.RolesOfUserAsync(user.UserId())).GetValueOrDefault(workspace.Id);
        var role = current > invitation.Role ? current : invitation.Role;
        await services.Workspaces.SetRoleAsync(workspace.Id, user.UserId(), role);
        await services.Audit.RecordAsync(workspace.Id, user, AuditAction.MemberJoined, "member", user.UserId(), user.Identity?.Name,
            $"as {RoleName(role)} by invitation {invitation.Id}");
        return TypedResults.Ok(new WorkspaceMembership(workspace.Id, workspace.Name, role));
    }
}

// The workspace routes' dependencies (members, invitations, settings).
public sealed record WorkspaceServices(
    WorkspaceStore Workspaces,
    WorkspaceAccess Access,
    UserStore Users,
    InvitationStore Invitations,
    BudgetStore Budgets,
    WorkspaceWebhooks Webhooks,
    WebhookSender WebhookSender,
    EgressPolicy Egress,
    AuditLog Audit,
    TimeProvider Time);
