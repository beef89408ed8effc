using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace FineTune.Data;

public static class EgressServiceCollectionExtensions
{
    // The egress policy and the GuardedHttpClient, for every call to an address a user gave. Bind
    // EgressOptions (FineTune:Egress) to allow more than public addresses; AddProviderConnections and
    // AddJobNotifications call this.
    public static IServiceCollection AddEgressPolicy(this IServiceCollection services)
    {
        services.TryAddSingleton(provider => new EgressPolicy(EgressAllowList.Parse(provider.GetRequiredService<IOptions<EgressOptions>>().Value.AllowedHosts)));
        services.TryAddSingleton<GuardedHttpClient>();
        return services;
    }
}
