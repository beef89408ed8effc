using FineTune.Api.Workspaces;

namespace FineTune.Api.Connections;

// The connection a route names. A workspace connection belongs to its own workspace; the server's
// connection is in every workspace, so for it the route works in the workspace the request names
// (FineTune-Workspace header, else the caller's default), like a collection route.
public sealed class ConnectionLookup(ConnectionStore store, ProviderConnections connections, WorkspaceAccess access, IHttpContextAccessor http)
{
    public async Task<string?> WorkspaceOfAsync(string connectionId) =>
        ProviderConnection.IsServer(connectionId)
            ? (await access.CurrentAsync(http.HttpContext!)).Id
            : await store.WorkspaceOfAsync(connectionId);

    public async Task<ProviderConnection?> FindAsync(string connectionId) =>
        ProviderConnection.IsServer(connectionId)
            ? connections.ServerConnection((await access.CurrentAsync(http.HttpContext!)).Id)
            : await store.GetAsync(connectionId);
}
