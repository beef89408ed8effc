using Microsoft.AspNetCore.DataProtection;

namespace FineTune.Data;

// Encrypts provider keys for storage with ASP.NET Data Protection. The Api encrypts and the Worker
// decrypts, so both use the same application name and the same key ring in Redis (see
// ConnectionServiceCollectionExtensions), and this one purpose string.
public sealed class ConnectionKeyProtector(IDataProtectionProvider dataProtection)
{
    public const string Purpose = "FineTune.ProviderConnections.ApiKey";

    private readonly IDataProtector _protector = dataProtection.CreateProtector(Purpose);

    public string Protect(string apiKey) => _protector.Protect(apiKey);

    public string Unprotect(string protectedKey) => _protector.Unprotect(protectedKey);
}
