using System.Security.Cryptography;
using Microsoft.Extensions.Configuration;

namespace FineTune.AppHost;

public static class AdminToken
{
    // FineTune:Bootstrap:AdminToken when given; otherwise a random token kept in the data directory,
    // so a fresh clone signs in with no set-up and the token stays the same across runs.
    public static string FromConfigurationOrDataDirectory(IConfiguration configuration, string dataDirectory)
    {
        if (configuration["FineTune:Bootstrap:AdminToken"] is { Length: > 0 } configured) return configured;

        var path = Path.Combine(dataDirectory, "admin-token");
        if (File.Exists(path)) return File.ReadAllText(path).Trim();

        Directory.CreateDirectory(dataDirectory);
        var token = "ft-admin-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        File.WriteAllText(path, token);
        return token;
    }
}
