using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.StackExchangeRedis;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;

namespace Microsoft.Extensions.Hosting;

// A Data Protection key ring: the application name that isolates its keys, and the Redis key it lives under.
public sealed record KeyRing(string ApplicationName, string RedisKey)
{
    // The Web's cookies (and the Api token inside them).
    public static readonly KeyRing WebCookies = new("FineTune.Web", "finetune:data-protection-keys");

    // Provider keys and webhook URLs. The Api encrypts and whichever Worker polls the job decrypts, so both
    // use this ring; the Web never does, so no key it holds decrypts a provider key.
    public static readonly KeyRing ProviderSecrets = new("FineTune", "finetune:data-protection-keys:connections");
}

public static class KeyRingExtensions
{
    // Where a service keeps its files: FineTune:DataDirectory, or .data beside the service.
    public static string DataDirectory(this IHostApplicationBuilder builder) =>
        builder.Configuration["FineTune:DataDirectory"] ?? Path.Combine(builder.Environment.ContentRootPath, ".data");

    // The one way a service sets up Data Protection. The keys live in Redis, so every replica reads them and
    // they survive a restart; each key is stored encrypted with a certificate that never goes to Redis, so
    // a copy of Redis (or of Garnet's files) gives no key back. Needs an IConnectionMultiplexer (AddRedisClient).
    public static IHostApplicationBuilder AddKeyRing(this IHostApplicationBuilder builder, KeyRing keyRing)
    {
        var certificate = KeyRingCertificate.Load(builder.Configuration, builder.DataDirectory());
        builder.Services.AddDataProtection()
            .SetApplicationName(keyRing.ApplicationName)
            .ProtectKeysWithCertificate(certificate)
            .UnprotectKeysWithAnyCertificate(certificate);
        builder.Services.AddOptions<KeyManagementOptions>()
            .Configure<IConnectionMultiplexer>((options, redis) =>
                options.XmlRepository = new RedisXmlRepository(() => redis.GetDatabase(), keyRing.RedisKey));
        return builder;
    }
}

// The certificate that encrypts the key rings at rest: FineTune:DataProtection:Certificate (a PKCS#12 file,
// with FineTune:DataProtection:CertificatePassword) when given; otherwise one made on first start in
// the data directory (FineTune:DataDirectory), readable by its owner only. Every service of one server
// must use the same one: copy that file (or give the same certificate) to move the keys to another machine.
public static class KeyRingCertificate
{
    public const string FileName = "data-protection.pfx";

    public static X509Certificate2 Load(IConfiguration configuration, string dataDirectory)
    {
        if (configuration["FineTune:DataProtection:Certificate"] is { Length: > 0 } given)
        {
            return X509CertificateLoader.LoadPkcs12FromFile(given, configuration["FineTune:DataProtection:CertificatePassword"]);
        }

        var path = Path.Combine(dataDirectory, FileName);
        if (!File.Exists(path)) CreateOnce(path);
        return X509CertificateLoader.LoadPkcs12FromFile(path, password: null);
    }

    // Api, Worker and Web may start at the same moment: each writes a candidate beside the file and moves
    // it into place only if there is none yet, so all of them end up with the one that got there first.
    private static void CreateOnce(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var rsa = RSA.Create(3072);
        var request = new CertificateRequest("CN=FineTune Data Protection", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(100));

        var candidate = $"{path}.{Guid.NewGuid():N}.tmp";
        var ownerOnly = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows()) ownerOnly.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        using (var file = new FileStream(candidate, ownerOnly))
            file.Write(certificate.Export(X509ContentType.Pkcs12));
        try
        {
            File.Move(candidate, path, overwrite: false);
        }
        catch (IOException) when (File.Exists(path))
        {
            File.Delete(candidate);
        }
    }
}
