using System.Security.Claims;
using Microsoft.AspNetCore.Authorization;

namespace FineTune.Api.Accounts;

// The server's owner is the admin account: whoever holds the admin token from configuration, or a token
// the admin made. Routes about the whole server rather than one workspace (backups) are theirs alone.
public static class ServerOwner
{
    public const string Policy = "ServerOwner";

    public static void Require(AuthorizationPolicyBuilder policy) => policy.RequireClaim(ClaimTypes.NameIdentifier, AdminBootstrap.AdminId);
}
