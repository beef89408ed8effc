using FineTune.Core.Jobs;
using FineTune.Core.Providers;
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
        builder.Services.Configure<ProviderOptions>(builder.Configuration.GetSection(ProviderOptions.Section));
        builder.Services.AddSingleton(services => new FineTuningProvider(services.GetRequiredService<IOptions<ProviderOptions>>().Value));

        builder.Services.AddOptions<WorkerOptions>()
            .Bind(builder.Configuration.GetSection(WorkerOptions.Section))
            .Validate(options => options.PollInterval > TimeSpan.Zero, "FineTune:Worker:PollInterval must be positive.")
            .Validate(options => options.LeaseDuration > options.PollInterval, "FineTune:Worker:LeaseDuration must be longer than the poll interval.")
            .ValidateOnStart();
        builder.Services.AddHostedService<JobPoller>();
    }
}
