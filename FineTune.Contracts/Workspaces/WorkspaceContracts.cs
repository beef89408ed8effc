namespace FineTune.Contracts;

// The workspace routes' shapes (FineTune.Api/Workspaces/WorkspacesApi.cs).

public sealed record CreateWorkspaceRequest(string Name);

public sealed record WorkspaceMember(string UserId, string Name, string? Email, WorkspaceRole Role);

public sealed record SetRoleRequest(WorkspaceRole Role);

public sealed record CreateInvitationRequest(WorkspaceRole Role, int? ExpiresInHours);

public sealed record Invitation(string Id, string WorkspaceId, WorkspaceRole Role, string CreatedBy, DateTimeOffset CreatedAt, DateTimeOffset ExpiresAt);

// A new invitation with the secret part of its link, shown once.
public sealed record IssuedInvitation(Invitation Invitation, string Token, string Link);

// What an invitation link offers, shown to anyone who has the link.
public sealed record InvitationPreview(string WorkspaceName, WorkspaceRole Role, string InvitedBy, DateTimeOffset ExpiresAt);
