using FineTune.Core.Workspaces;

namespace FineTune.Web.Api;

// GET /api/me
public sealed record ApiUser(string Id, string Name, string? Email, string DefaultWorkspaceId, IReadOnlyList<WorkspaceMembership> Workspaces);
