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

        // Readable by its owner only, like any key; a file kept from an older version is narrowed too.
        var path = Path.Combine(dataDirectory, "admin-token");
        if (File.Exists(path))
        {
            if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            return File.ReadAllText(path).Trim();
        }

        Directory.CreateDirectory(dataDirectory);
        var token = "ft-admin-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        var ownerOnly = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows()) ownerOnly.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        using (var writer = new StreamWriter(path, ownerOnly)) writer.Write(token);
        return token;
    }
}
