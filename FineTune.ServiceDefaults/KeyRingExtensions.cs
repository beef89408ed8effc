using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.StackExchangeRedis;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
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
        builder.Services.AddHostedService(services => ActivatorUtilities.CreateInstance<KeyRingEncryptionAtStart>(services, keyRing));
        return builder;
    }
}

// Older versions stored keys unencrypted: their master key in plain text in Redis. At start, each such
// element is encrypted with the certificate, as Data Protection encrypts a new key, and put back in its
// place; the key itself is unchanged, so what it protected still unprotects.
public sealed partial class KeyRingEncryptionAtStart(
    IConnectionMultiplexer redis,
    IOptions<KeyManagementOptions> options,
    KeyRing keyRing,
    ILogger<KeyRingEncryptionAtStart> logger)
    : IHostedService
{
    // How Data Protection marks the parts of a key it must encrypt before storing it, and names them encrypted.
    private static readonly XNamespace DataProtection = "http://schemas.asp.net/2015/03/dataProtection";
    private static readonly XName RequiresEncryption = DataProtection + "requiresEncryption";
    private static readonly XName EncryptedSecret = DataProtection + "encryptedSecret";

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var encryptor = options.Value.XmlEncryptor ?? throw new InvalidOperationException("AddKeyRing sets a certificate to encrypt keys with.");
        var db = redis.GetDatabase();
        var elements = await db.ListRangeAsync(keyRing.RedisKey);
        var encrypted = 0;
        for (var index = 0; index < elements.Length; index++)
        {
            var element = XElement.Parse(elements[index].ToString());
            var secrets = element.Descendants().Where(e => (bool?)e.Attribute(RequiresEncryption) == true).ToList();
            if (secrets.Count == 0) continue;
            foreach (var secret in secrets)
            {
                // Encrypted as a document of its own, as Data Protection does, so the original stays untouched.
                var info = encryptor.Encrypt(new XDocument(new XElement(secret)).Root!);
                secret.ReplaceWith(new XElement(EncryptedSecret,
                    new XAttribute("decryptorType", info.DecryptorType.AssemblyQualifiedName!), info.EncryptedElement));
            }

            // Only where the element read is still in place: the Api and the Worker share a ring and start together.
            var transaction = db.CreateTransaction();
            transaction.AddCondition(Condition.ListIndexEqual(keyRing.RedisKey, index, elements[index]));
            _ = transaction.ListSetByIndexAsync(keyRing.RedisKey, index, element.ToString(SaveOptions.DisableFormatting));
            if (await transaction.ExecuteAsync()) encrypted++;
        }
        if (encrypted > 0) LogEncrypted(encrypted, keyRing.RedisKey);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(LogLevel.Information, "Encrypted {Count} key(s) of {RedisKey} that an older version stored unencrypted")]
    private partial void LogEncrypted(int count, string redisKey);
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
