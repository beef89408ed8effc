using FineTune.IntegrationTests.Infrastructure;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using StackExchange.Redis;

namespace FineTune.IntegrationTests;

// Installs from before the key rings were encrypted at rest hold keys in Redis in plain text. The first
// start of this version encrypts them with the certificate; what they protected still unprotects.
public sealed class KeyRingUpgradeTests : IAsyncLifetime
{
    private const string Purpose = "KeyRingUpgradeTests";

    private DebianRedisServer RedisServer { get; } = new();
    private readonly string _dataDirectory = Directory.CreateTempSubdirectory("finetune-it-keyring-").FullName;

    [Fact]
    public async Task Keys_an_older_version_stored_unencrypted_are_encrypted_at_start_and_still_unprotect_what_they_protected()
    {
        await using var redis = await ConnectionMultiplexer.ConnectAsync(RedisServer.ConnectionString);
        var ring = KeyRing.ProviderSecrets;

        // As the older version stored its keys: in Redis, with no certificate.
        var older = new ServiceCollection();
        older.AddDataProtection().SetApplicationName(ring.ApplicationName).PersistKeysToStackExchangeRedis(redis, ring.RedisKey);
        string protectedSecret;
        using (var services = older.BuildServiceProvider())
        {
            protectedSecret = services.GetDataProtector(Purpose).Protect("sk-from-an-older-version");
        }
        Assert.Contains("<masterKey", (await redis.GetDatabase().ListRangeAsync(ring.RedisKey)).Single().ToString());

        await using (var api = await ServiceProcess.StartAsync("FineTune.Api", new Dictionary<string, string>
        {
            ["ConnectionStrings__redis"] = RedisServer.ConnectionString,
            ["FineTune__Provider__Endpoint"] = "http://127.0.0.1:9/v1",
            ["FineTune__DataDirectory"] = _dataDirectory,
        }))
        {
            var elements = await redis.GetDatabase().ListRangeAsync(ring.RedisKey);
            Assert.All(elements, element =>
            {
                Assert.Contains("<encryptedSecret", element.ToString());
                Assert.DoesNotContain("<masterKey", element.ToString());
            });
        }

        // This version's key ring, with the certificate the Api made in the data directory.
        var current = Host.CreateApplicationBuilder();
        current.Configuration["FineTune:DataDirectory"] = _dataDirectory;
        current.Services.AddSingleton<IConnectionMultiplexer>(redis);
        current.AddKeyRing(ring);
        using var host = current.Build();
        Assert.Equal("sk-from-an-older-version", host.Services.GetDataProtector(Purpose).Unprotect(protectedSecret));
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        await RedisServer.DisposeAsync();
        Directory.Delete(_dataDirectory, recursive: true);
    }
}
