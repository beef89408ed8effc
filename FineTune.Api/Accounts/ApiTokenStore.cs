using System.Security.Cryptography;
using System.Text;
using StackExchange.Redis;

namespace FineTune.Api.Accounts;

// Tokens are stored only as their SHA-256, so a copy of Redis gives no one a usable token.
public sealed class ApiTokenStore(IConnectionMultiplexer redis, TimeProvider time)
{
    private IDatabase Db => redis.GetDatabase();

    public async Task<IssuedToken> IssueAsync(string userId, string name, string kind, TimeSpan? lifetime)
    {
        var secret = $"ft_{kind}_" + Base64Url(RandomNumberGenerator.GetBytes(32));
        var now = time.GetUtcNow();
        var token = new ApiToken("tok_" + Guid.NewGuid().ToString("N")[..16], userId, name, kind, now, now + lifetime);
        await AddAsync(secret, token);
        return new IssuedToken(token, secret);
    }

    // A token id names one secret: adding a token under an id the user already has (the admin token from
    // configuration, after it changed) revokes the secret that id named before.
    public async Task AddAsync(string secret, ApiToken token)
    {
        var hash = Hash(secret);
        var replaced = await Db.HashGetAsync(RedisKeys.UserTokens(token.UserId), token.Id);
        var transaction = Db.CreateTransaction();
        if (!replaced.IsNull && replaced != hash) _ = transaction.KeyDeleteAsync(RedisKeys.Token(replaced.ToString()));
        var json = FineTuneJson.Serialize(token);
        _ = token.ExpiresAt is { } expires
            ? transaction.StringSetAsync(RedisKeys.Token(hash), json, expires - time.GetUtcNow())
            : transaction.StringSetAsync(RedisKeys.Token(hash), json);
        _ = transaction.HashSetAsync(RedisKeys.UserTokens(token.UserId), token.Id, hash);
        await transaction.ExecuteAsync();
    }

    public async Task<ApiToken?> FindAsync(string secret)
    {
        var json = await Db.StringGetAsync(RedisKeys.Token(Hash(secret)));
        if (json.IsNull) return null;
        var token = FineTuneJson.Deserialize<ApiToken>(json.ToString());
        return token.ExpiresAt is { } expires && expires <= time.GetUtcNow() ? null : token;
    }

    // The user's tokens of one kind that are still valid, newest first.
    public async Task<IReadOnlyList<ApiToken>> ListAsync(string userId, string kind)
    {
        var entries = await Db.HashGetAllAsync(RedisKeys.UserTokens(userId));
        if (entries.Length == 0) return [];
        var values = await Db.StringGetAsync(entries.Select(e => (RedisKey)RedisKeys.Token(e.Value.ToString())).ToArray());
        return values.Where(v => !v.IsNull)
            .Select(v => FineTuneJson.Deserialize<ApiToken>(v.ToString()))
            .Where(t => t.Kind == kind)
            .OrderByDescending(t => t.CreatedAt)
            .ToList();
    }

    // False when the user has no such token.
    public async Task<bool> RevokeAsync(string userId, string tokenId)
    {
        var hash = await Db.HashGetAsync(RedisKeys.UserTokens(userId), tokenId);
        if (hash.IsNull) return false;
        var transaction = Db.CreateTransaction();
        _ = transaction.KeyDeleteAsync(RedisKeys.Token(hash.ToString()));
        _ = transaction.HashDeleteAsync(RedisKeys.UserTokens(userId), tokenId);
        await transaction.ExecuteAsync();
        return true;
    }

    public static string Hash(string secret) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
