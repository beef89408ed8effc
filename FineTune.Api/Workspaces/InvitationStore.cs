using System.Security.Cryptography;
using FineTune.Api.Accounts;
using StackExchange.Redis;

namespace FineTune.Api.Workspaces;

// Invitation links: the token in the link is kept only as its hash, and Redis forgets it at expiry.
// A link works once.
public sealed class InvitationStore(IConnectionMultiplexer redis, TimeProvider time)
{
    private IDatabase Db => redis.GetDatabase();

    public async Task<IssuedInvitation> IssueAsync(string workspaceId, WorkspaceRole role, string createdBy, TimeSpan lifetime)
    {
        var token = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));
        var now = time.GetUtcNow();
        var invitation = new Invitation("inv_" + Guid.NewGuid().ToString("N")[..16], workspaceId, role, createdBy, now, now + lifetime);
        var hash = ApiTokenStore.Hash(token);
        var transaction = Db.CreateTransaction();
        _ = transaction.StringSetAsync(RedisKeys.Invitation(hash), FineTuneJson.Serialize(invitation), lifetime);
        _ = transaction.HashSetAsync(RedisKeys.WorkspaceInvitations(workspaceId), invitation.Id, hash);
        await transaction.ExecuteAsync();
        return new IssuedInvitation(invitation, token, $"/invite/{token}");
    }

    public async Task<Invitation?> FindAsync(string token)
    {
        var json = await Db.StringGetAsync(RedisKeys.Invitation(ApiTokenStore.Hash(token)));
        return json.IsNull ? null : FineTuneJson.Deserialize<Invitation>(json.ToString());
    }

    // Open invitations of a workspace, soonest to expire first; expired ones are dropped from the index.
    public async Task<IReadOnlyList<Invitation>> ListAsync(string workspaceId)
    {
        var entries = await Db.HashGetAllAsync(RedisKeys.WorkspaceInvitations(workspaceId));
        if (entries.Length == 0) return [];
        var values = await Db.StringGetAsync(entries.Select(e => (RedisKey)RedisKeys.Invitation(e.Value.ToString())).ToArray());
        var expired = entries.Where((_, i) => values[i].IsNull).Select(e => e.Name).ToArray();
        if (expired.Length > 0) await Db.HashDeleteAsync(RedisKeys.WorkspaceInvitations(workspaceId), expired);
        return values.Where(v => !v.IsNull).Select(v => FineTuneJson.Deserialize<Invitation>(v.ToString())).OrderBy(i => i.ExpiresAt).ToList();
    }

    // Removes the invitation; false when it was already used, revoked or expired (so only one caller wins).
    public async Task<bool> RemoveAsync(string workspaceId, string invitationId)
    {
        var hash = await Db.HashGetAsync(RedisKeys.WorkspaceInvitations(workspaceId), invitationId);
        if (hash.IsNull) return false;
        await Db.HashDeleteAsync(RedisKeys.WorkspaceInvitations(workspaceId), invitationId);
        return await Db.KeyDeleteAsync(RedisKeys.Invitation(hash.ToString()));
    }
}
