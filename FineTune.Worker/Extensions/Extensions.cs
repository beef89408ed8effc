using FineTune.Worker.Notifications;
using FineTune.Worker.Polling;
using Microsoft.Extensions.Options;

namespace FineTune.Worker.Extensions;

public static class Extensions
{
    public static void AddWorkerServices(this IHostApplicationBuilder builder)
    {
        builder.AddRedisClient("redis");

        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<JobStore>();
        builder.Services.AddSingleton<JobLease>();

        builder.Services.AddOptions<WorkerOptions>()
            .Bind(builder.Configuration.GetSection(WorkerOptions.Section))
            .Validate(o => o.PollInterval > TimeSpan.Zero, "FineTune:Worker:PollInterval must be positive.")
            .Validate(o => o.SlowPollInterval >= o.PollInterval, "FineTune:Worker:SlowPollInterval must be at least PollInterval.")
            .Validate(o => o.LeaseDuration > o.SlowPollInterval, "FineTune:Worker:LeaseDuration must be longer than SlowPollInterval, or a worker loses its jobs between polls.")
            .Validate(o => o.MaxConcurrentPolls >= 1, "FineTune:Worker:MaxConcurrentPolls must be at least 1.")
            .Validate(o => o.RequestsPerSecond > 0, "FineTune:Worker:RequestsPerSecond must be positive.")
            .Validate(o => o.RequestBurst >= 1, "FineTune:Worker:RequestBurst must be at least 1.")
            .Validate(o => o.BackoffInitialDelay > TimeSpan.Zero && o.BackoffMaxDelay >= o.BackoffInitialDelay,
                "FineTune:Worker:BackoffInitialDelay must be positive and BackoffMaxDelay at least as long.")
            .Validate(o => o.RequestTimeout > TimeSpan.Zero, "FineTune:Worker:RequestTimeout must be positive.")
            .Validate(o => o.ImportInterval > TimeSpan.Zero, "FineTune:Worker:ImportInterval must be positive.")
            .Validate(o => o.ImportGracePeriod >= TimeSpan.Zero, "FineTune:Worker:ImportGracePeriod must not be negative.")
            .Validate(o => o.ImportPageSize is >= 1 and <= 100, "FineTune:Worker:ImportPageSize must be between 1 and 100.")
            .ValidateOnStart();

        // Every job polls through its own provider connection (the server's, or its workspace's), each
        // connection with its own budget. The SDK's own retries are off: the poller retries per job
        // (PollSchedule), so a 429 or a 5xx never holds a slot while other jobs wait.
        builder.Services.Configure<ProviderOptions>(builder.Configuration.GetSection(ProviderOptions.Section));
        builder.Services.AddSingleton<ConnectionRequestBudgets>();
        builder.Services.AddSingleton<ProviderClientFactory>(services =>
        {
            var worker = services.GetRequiredService<IOptions<WorkerOptions>>().Value;
            var budgets = services.GetRequiredService<ConnectionRequestBudgets>();
            return (connectionId, options) =>
            {
                options.MaxRetries = 0;
                options.NetworkTimeout = worker.RequestTimeout;
                return new FineTuningProvider(options, [new RequestBudgetPolicy(budgets.For(connectionId))]);
            };
        });
        builder.AddKeyRing(KeyRing.ProviderSecrets);
        builder.Services.AddProviderConnections();

        builder.Services.AddHostedService<JobPoller>();
        // Finished jobs notify their people; the webhook outbox is posted from here.
        builder.Services.AddJobNotifications();
        builder.Services.AddHostedService<WebhookDelivery>();
        builder.Services.AddSingleton<JobImporter>();
        builder.Services.AddHostedService(services => services.GetRequiredService<JobImporter>());
    }
}
