using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace FineTune.Data;

public static class ModelServiceCollectionExtensions
{
    // The model table (FineTune:Models) and the inventory read from it, for the Api and the Worker. The inventory asks
    // the provider connections (AddProviderConnections) and reads jobs (JobStore): both services register those.
    public static IServiceCollection AddModelInventory(this IServiceCollection services, IConfiguration configuration)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(ModelCatalogConfiguration.Read(configuration));
        services.AddSingleton<ModelUsage>();
        services.AddSingleton<ModelInventory>();
        return services;
    }
}
