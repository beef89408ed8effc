using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace FineTune.Data;

public static class NotificationServiceCollectionExtensions
{
    // Notifications for the Api and the Worker. Webhook URLs are encrypted with the Data Protection key
    // ring that AddProviderConnections sets up; call that too.
    public static IServiceCollection AddJobNotifications(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        // Who belongs to a job's workspace, and who owns it: the Worker reads it only for this.
        services.TryAddSingleton<WorkspaceStore>();
        services.AddSingleton<NotificationStore>();
        services.AddSingleton<JobWatchers>();
        services.AddSingleton<WorkspaceWebhooks>();
        services.AddSingleton<WebhookOutbox>();
        services.AddSingleton<WorkspaceNews>();
        services.AddSingleton<JobNotifications>();
        // The guarded client, not one from the service defaults' factory: those retry three times with long
        // timeouts and resolve service names, while a webhook gets two short tries at an address a user gave.
        services.AddEgressPolicy();
        services.AddSingleton(provider => new WebhookSender(provider.GetRequiredService<GuardedHttpClient>()));
        return services;
    }
}
