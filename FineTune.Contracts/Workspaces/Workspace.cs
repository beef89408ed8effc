namespace FineTune.Contracts;

public sealed record Workspace(string Id, string Name, string CreatedBy, DateTimeOffset CreatedAt)
{
    // Where the bootstrap admin starts, where records stored before workspaces existed belong,
    // and where jobs imported from the server's own provider land.
    public const string DefaultId = "default";
}

// A workspace as one of its members sees it.
public sealed record WorkspaceMembership(string Id, string Name, WorkspaceRole Role);
