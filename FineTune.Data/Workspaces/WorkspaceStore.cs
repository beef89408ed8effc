using StackExchange.Redis;

namespace FineTune.Data;

// Workspaces and who belongs to them. Membership is kept twice, as workspace → members and
// user → workspaces, written together in one transaction: listing members and checking one user's
// access are each a single read.
public sealed class WorkspaceStore(IConnectionMultiplexer redis)
{
    private IDatabase Db => redis.GetDatabase();

    public async Task CreateAsync(Workspace workspace, string ownerId)
    {
        var transaction = Db.CreateTransaction();
        _ = transaction.StringSetAsync(RedisKeys.Workspace(workspace.Id), FineTuneJson.Serialize(workspace));
        _ = transaction.SetAddAsync(RedisKeys.AllWorkspaces, workspace.Id);
        _ = transaction.HashSetAsync(RedisKeys.WorkspaceMembers(workspace.Id), ownerId, WorkspaceRole.Owner.ToString());
        _ = transaction.HashSetAsync(RedisKeys.UserWorkspaces(ownerId), workspace.Id, WorkspaceRole.Owner.ToString());
        await transaction.ExecuteAsync();
    }

    // Creates the workspace with its owner unless it exists; for fixed ids such as the default workspace.
    public async Task EnsureAsync(Workspace workspace, string ownerId)
    {
        if (await Db.StringSetAsync(RedisKeys.Workspace(workspace.Id), FineTuneJson.Serialize(workspace), when: When.NotExists))
        {
            await SetRoleAsync(workspace.Id, ownerId, WorkspaceRole.Owner);
        }
        await Db.SetAddAsync(RedisKeys.AllWorkspaces, workspace.Id);
    }

    // Every workspace's id: what the Worker's model countdown goes through.
    public async Task<IReadOnlyList<string>> ListIdsAsync() =>
        (await Db.SetMembersAsync(RedisKeys.AllWorkspaces)).Select(id => id.ToString()).Order(StringComparer.Ordinal).ToList();

    // Enters every workspace stored before the index of all workspaces existed in it; returns how many were missing.
    // A start-up migration (the Api's StoreMigrations).
    public async Task<int> BackfillIndexAsync()
    {
        var ids = new List<RedisValue>();
        foreach (var server in redis.GetServers().Where(server => !server.IsReplica))
        {
            await foreach (var key in server.KeysAsync(pattern: RedisKeys.Workspace("*")))
            {
                var id = key.ToString()[RedisKeys.Workspace("").Length..];
                if (!id.Contains(':', StringComparison.Ordinal)) ids.Add(id);
            }
        }
        return ids.Count == 0 ? 0 : (int)await Db.SetAddAsync(RedisKeys.AllWorkspaces, [.. ids]);
    }

    public async Task<Workspace?> GetAsync(string workspaceId)
    {
        var json = await Db.StringGetAsync(RedisKeys.Workspace(workspaceId));
        return json.IsNull ? null : FineTuneJson.Deserialize<Workspace>(json.ToString());
    }

    public async Task SetRoleAsync(string workspaceId, string userId, WorkspaceRole role)
    {
        var transaction = Db.CreateTransaction();
        _ = transaction.HashSetAsync(RedisKeys.WorkspaceMembers(workspaceId), userId, role.ToString());
        _ = transaction.HashSetAsync(RedisKeys.UserWorkspaces(userId), workspaceId, role.ToString());
        await transaction.ExecuteAsync();
    }

    public async Task RemoveMemberAsync(string workspaceId, string userId)
    {
        var transaction = Db.CreateTransaction();
        _ = transaction.HashDeleteAsync(RedisKeys.WorkspaceMembers(workspaceId), userId);
        _ = transaction.HashDeleteAsync(RedisKeys.UserWorkspaces(userId), workspaceId);
        await transaction.ExecuteAsync();
    }

    // The user's role in each workspace they belong to.
    public async Task<IReadOnlyDictionary<string, WorkspaceRole>> RolesOfUserAsync(string userId) =>
        (await Db.HashGetAllAsync(RedisKeys.UserWorkspaces(userId)))
            .ToDictionary(entry => entry.Name.ToString(), entry => Enum.Parse<WorkspaceRole>(entry.Value.ToString()));

    public async Task<IReadOnlyDictionary<string, WorkspaceRole>> MembersAsync(string workspaceId) =>
        (await Db.HashGetAllAsync(RedisKeys.WorkspaceMembers(workspaceId)))
            .ToDictionary(entry => entry.Name.ToString(), entry => Enum.Parse<WorkspaceRole>(entry.Value.ToString()));

    public async Task<IReadOnlyList<WorkspaceMembership>> MembershipsOfUserAsync(string userId)
    {
        var roles = await RolesOfUserAsync(userId);
        var memberships = new List<WorkspaceMembership>();
        foreach (var (id, role) in roles)
        {
            if (await GetAsync(id) is { } workspace) memberships.Add(new WorkspaceMembership(id, workspace.Name, role));
        }
        return memberships.OrderBy(m => m.Name, StringComparer.OrdinalIgnoreCase).ToList();
    }
}
