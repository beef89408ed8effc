using FineTune.Worker.Evals;
using FineTune.Worker.Launching;
using FineTune.Worker.Models;
using FineTune.Worker.Notifications;
using FineTune.Worker.Polling;
using FineTune.Worker.Telemetry;
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

        builder.Services.AddOptions<WorkerOptions>().BindConfiguration(WorkerOptions.Section).ValidateDataAnnotations().ValidateOnStart();

        // Every job polls through its own provider connection (the server's, or its workspace's), each
        // connection with its own budget. The SDK's own retries are off: the poller retries per job
        // (PollSchedule), so a 429 or a 5xx never holds a slot while other jobs wait.
        builder.Services.AddOptions<ProviderOptions>().BindConfiguration(ProviderOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<ConnectionRequestBudgets>();
        builder.Services.AddSingleton<ProviderClientFactory>(services =>
        {
            var worker = services.GetRequiredService<IOptions<WorkerOptions>>().Value;
            var budgets = services.GetRequiredService<ConnectionRequestBudgets>();
            return (connectionId, options, http) =>
            {
                options.MaxRetries = 0;
                options.NetworkTimeout = worker.RequestTimeout;
                return new FineTuningProvider(options, http, [new RequestBudgetPolicy(budgets.For(connectionId)), new ProviderRequestTiming()]);
            };
        });
        // Workspace connections and webhooks are addresses users gave: only public ones, or what the operator allows.
        builder.Services.AddOptions<EgressOptions>().BindConfiguration(EgressOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.AddKeyRing(KeyRing.ProviderSecrets);
        builder.Services.AddProviderConnections();

        // Jobs start uploading in the Api; the Worker sends their datasets (read from the data directory it shares
        // with the Api) and creates them on the provider, then polls them.
        builder.Services.AddSingleton(new BlobStore(Path.Combine(builder.DataDirectory(), "blobs")));
        builder.Services.AddSingleton<ProviderFileStore>();
        builder.Services.AddSingleton<BudgetStore>();
        builder.Services.AddSingleton<JobLauncher>();
        builder.Services.AddHostedService<JobPoller>();
        // Eval runs the Api queued: answered and graded here, on the same connections and budgets.
        builder.Services.AddSingleton<EvalStore>();
        builder.Services.AddHostedService<EvalRunner>();
        // Finished jobs notify their people; the webhook outbox is posted from here.
        builder.Services.AddJobNotifications();
        builder.Services.AddHostedService<WebhookDelivery>();
        builder.Services.AddSingleton<JobImporter>();
        builder.Services.AddHostedService(services => services.GetRequiredService<JobImporter>());
        // The model inventory (the model table from FineTune:Models, last uses) and its countdown alerts.
        builder.Services.AddModelInventory(builder.Configuration);
        builder.Services.AddSingleton<ModelCountdown>();
        builder.Services.AddHostedService(services => services.GetRequiredService<ModelCountdown>());
    }
}
