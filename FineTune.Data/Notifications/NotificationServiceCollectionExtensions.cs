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
        services.AddSingleton<JobNotifications>();
        // Its own client, not one from the service defaults' factory: those retry three times with long
        // timeouts and resolve service names, while a webhook gets two short tries at an outside URL.
        services.AddSingleton(new WebhookSender(new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
        {
            Timeout = Timeout.InfiniteTimeSpan,
        }));
        return services;
    }
}
