using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;
using StackExchange.Redis;

namespace FineTune.Api.Accounts;

// Sign-in through an OpenID Connect provider, switched on by setting Authority and ClientId. The Web runs
// the browser side of the flow and hands the provider's ID token to the Api, which checks it itself
// (issuer, audience, signature, lifetime) before it trusts anything in it.
public sealed class OidcSignIn
{
    private readonly OidcOptions _options;
    private readonly ConfigurationManager<OpenIdConnectConfiguration>? _metadata;
    private readonly UserStore _users;
    private readonly NewAccounts _newAccounts;
    private readonly IConnectionMultiplexer _redis;

    public OidcSignIn(IOptions<OidcOptions> options, UserStore users, NewAccounts newAccounts, IConnectionMultiplexer redis)
    {
        _options = options.Value;
        _users = users;
        _newAccounts = newAccounts;
        _redis = redis;
        if (_options.Enabled)
        {
            _metadata = new ConfigurationManager<OpenIdConnectConfiguration>(
                _options.Authority!.TrimEnd('/') + "/.well-known/openid-configuration",
                new OpenIdConnectConfigurationRetriever(),
                new HttpDocumentRetriever { RequireHttps = _options.RequireHttpsMetadata });
        }
    }

    public bool Enabled => _metadata is not null;

    // The account the ID token belongs to (made on first sign-in, with a workspace of its own), or the
    // reason the token is refused.
    public async Task<(UserAccount? Account, string? Refusal)> SignInAsync(string idToken, CancellationToken cancellationToken)
    {
        var configuration = await _metadata!.GetConfigurationAsync(cancellationToken);
        var result = await new JsonWebTokenHandler().ValidateTokenAsync(idToken, new TokenValidationParameters
        {
            ValidIssuer = configuration.Issuer,
            ValidAudience = _options.ClientId,
            IssuerSigningKeys = configuration.SigningKeys,
        });
        if (!result.IsValid) return (null, "The identity provider's token is not valid: " + result.Exception?.Message);

        var claims = result.ClaimsIdentity;
        var subject = claims.FindFirst("sub")?.Value;
        if (subject is null) return (null, "The identity provider's token names no subject (sub).");
        var subjectKey = RedisKeys.UserByOidcSubject(configuration.Issuer, subject);
        var db = _redis.GetDatabase();
        if (await db.StringGetAsync(subjectKey) is { IsNull: false } knownId && await _users.GetAsync(knownId.ToString()) is { } known)
        {
            return (known, null);
        }

        // An existing account is joined by email only when the provider vouches for that email.
        var email = claims.FindFirst("email")?.Value;
        var emailVerified = claims.FindFirst("email_verified")?.Value is "true" or "True";
        if (email is not null && await _users.FindByEmailAsync(email) is { } byEmail)
        {
            if (!emailVerified) return (null, $"An account with {email} exists; the identity provider has not verified that email, so it cannot sign in to it.");
            await db.StringSetAsync(subjectKey, byEmail.Id);
            return (byEmail, null);
        }

        var name = claims.FindFirst("name")?.Value ?? email ?? subject;
        var account = await _newAccounts.OpenAsync(name, emailVerified ? email : null, password: null, "with the account's first single sign-on");
        if (account is null) return (null, $"An account with {email} exists.");
        await db.StringSetAsync(subjectKey, account.Id);
        return (account, null);
    }
}
