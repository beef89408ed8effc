using FineTune.Core.Providers;
using FineTune.Core.Redis;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.StackExchangeRedis;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using StackExchange.Redis;

namespace FineTune.Core.Connections;

public static class ConnectionServiceCollectionExtensions
{
    // Api and Worker must share it: a key the Api encrypts is decrypted by whichever Worker polls the job.
    public const string DataProtectionApplicationName = "FineTune";

    // Provider connections for the Api and the Worker: the store, the key protector whose key ring lives
    // in Redis (so every replica reads it and it survives restarts), the connection resolver, and the
    // server connection's client as the FineTuningProvider singleton. Register a ProviderClientFactory
    // first to shape the clients; FineTune:Provider (ProviderOptions) must be configured.
    public static IServiceCollection AddProviderConnections(this IServiceCollection services)
    {
        services.AddDataProtection().SetApplicationName(DataProtectionApplicationName);
        services.AddOptions<KeyManagementOptions>()
            .Configure<IConnectionMultiplexer>((options, redis) =>
                options.XmlRepository = new RedisXmlRepository(() => redis.GetDatabase(), RedisKeys.ConnectionKeyRing));

        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<ProviderClientFactory>((_, options) => new FineTuningProvider(options));
        services.AddSingleton<ConnectionStore>();
        services.AddSingleton<ConnectionKeyProtector>();
        services.AddSingleton<ProviderConnections>();
        services.AddSingleton(provider => provider.GetRequiredService<ProviderConnections>().Server);
        return services;
    }
}
