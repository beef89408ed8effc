using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.StackExchangeRedis;
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
    // The one way a service sets up Data Protection: its keys live in Redis, so every replica reads them
    // and they survive a restart. Needs an IConnectionMultiplexer (AddRedisClient).
    public static IServiceCollection AddKeyRing(this IServiceCollection services, KeyRing keyRing)
    {
        services.AddDataProtection().SetApplicationName(keyRing.ApplicationName);
        services.AddOptions<KeyManagementOptions>()
            .Configure<IConnectionMultiplexer>((options, redis) =>
                options.XmlRepository = new RedisXmlRepository(() => redis.GetDatabase(), keyRing.RedisKey));
        return services;
    }
}
