using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace FineTune.Data;

public static class ConnectionServiceCollectionExtensions
{
    // Provider connections for the Api and the Worker: the store, the key protector, the connection
    // resolver, and the server connection's client as the FineTuningProvider singleton. Register a
    // ProviderClientFactory first to shape the clients, and Data Protection on KeyRing.ProviderSecrets
    // (ServiceDefaults' AddKeyRing); FineTune:Provider (ProviderOptions) must be configured, and
    // FineTune:Egress (EgressOptions) may be.
    public static IServiceCollection AddProviderConnections(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<ProviderClientFactory>((_, options, http) => new FineTuningProvider(options, http));
        services.AddEgressPolicy();
        services.AddSingleton<ConnectionStore>();
        services.AddSingleton<ConnectionKeyProtector>();
        services.AddSingleton<ProviderConnections>();
        services.AddSingleton(provider => provider.GetRequiredService<ProviderConnections>().Server);
        return services;
    }
}
