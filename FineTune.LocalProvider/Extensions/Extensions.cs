using FineTune.LocalProvider;
using FineTune.LocalProvider.Faults;
using FineTune.LocalProvider.Files;
using FineTune.LocalProvider.FineTuning;
using FineTune.LocalProvider.Models;
using FineTune.LocalProvider.OpenAI;
using Microsoft.AspNetCore.Authentication;

namespace Microsoft.Extensions.Hosting;

public static class LocalProviderExtensions
{
    public static void AddLocalProvider(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<LocalProviderOptions>()
            .Bind(builder.Configuration.GetSection(LocalProviderOptions.SectionName))
            .Configure(options => options.DataDirectory = Path.GetFullPath(
                builder.Configuration[LocalProviderOptions.DataDirectoryKey] ?? options.DataDirectory,
                builder.Environment.ContentRootPath))
            .Validate(options => options.StepDelay >= TimeSpan.Zero, "LocalProvider:StepDelay must not be negative.")
            .Validate(options => options.MaxConcurrentJobs >= 1, "LocalProvider:MaxConcurrentJobs must be at least 1.")
            .ValidateOnStart();

        builder.Services.AddOptions<FaultOptions>()
            .Bind(builder.Configuration.GetSection(FaultOptions.SectionName))
            .Validate(options => options.Rules.All(rule => rule.Problem() is null),
                $"Every rule in {FaultOptions.SectionName}:Rules needs a Path, a Kind ({string.Join(", ", FaultKinds.All)}), "
                + "a Rate between 0 and 1, and no negative Times, RetryAfter or Delay.")
            .ValidateOnStart();
        builder.Services.AddSingleton<FaultInjector>();

        // OpenAI's wire format: snake_case names, and nulls written out rather than left off.
        builder.Services.ConfigureHttpJsonOptions(options => OpenAIJson.Configure(options.SerializerOptions));

        builder.Services.AddAuthentication(BearerKeyAuthenticationHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, BearerKeyAuthenticationHandler>(BearerKeyAuthenticationHandler.SchemeName, null);
        builder.Services.AddAuthorization();

        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<FileStore>();
        builder.Services.AddSingleton<UploadStore>();
        builder.Services.AddSingleton<ModelRegistry>();
        builder.Services.AddSingleton<JobJournal>();
        builder.Services.AddSingleton<JobStore>();
        builder.Services.AddSingleton<JobQueue>();
        builder.Services.AddHostedService<JobRunner>();
    }

    internal static RouteGroupBuilder MapOpenAIGroup(this IEndpointRouteBuilder app, string prefix, string tag) =>
        app.MapGroup(prefix).RequireAuthorization().WithTags(tag);
}
