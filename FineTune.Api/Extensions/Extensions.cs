using FineTune.Api.Accounts;
using FineTune.Api.Workspaces;
using FineTune.Core.Workspaces;
using FineTune.Api.Datasets;
using FineTune.Core;
using FineTune.Core.Jobs;
using FineTune.Core.Providers;
using Microsoft.Extensions.Options;

namespace FineTune.Api.Extensions;

public static class Extensions
{
    public static void AddApplicationServices(this IHostApplicationBuilder builder)
    {
        builder.AddRedisClient("redis");

        builder.Services.ConfigureHttpJsonOptions(options =>
            options.SerializerOptions.DefaultIgnoreCondition = FineTuneJson.Options.DefaultIgnoreCondition);
        builder.Services.AddOpenApi();
        builder.Services.AddProblemDetails();
        builder.Services.AddSingleton(TimeProvider.System);

        builder.Services.AddAuthentication(ApiTokenAuthentication.SchemeName)
            .AddScheme<ApiTokenAuthenticationOptions, ApiTokenAuthentication>(ApiTokenAuthentication.SchemeName, null);
        builder.Services.AddAuthorization();
        builder.Services.AddSingleton<ApiTokenStore>();
        builder.Services.AddSingleton<UserStore>();
        builder.Services.AddSingleton<SignInLockout>();
        builder.Services.Configure<AccountOptions>(builder.Configuration.GetSection(AccountOptions.Section));
        builder.Services.Configure<BootstrapOptions>(builder.Configuration.GetSection(BootstrapOptions.Section));
        builder.Services.AddHostedService<AdminBootstrap>();

        builder.Services.AddSingleton<WorkspaceStore>();
        builder.Services.AddSingleton<InvitationStore>();
        builder.Services.AddScoped<WorkspaceAccess>();

        var dataDirectory = builder.Configuration["FineTune:DataDirectory"]
            ?? Path.Combine(builder.Environment.ContentRootPath, ".data");
        builder.Services.AddSingleton(new BlobStore(Path.Combine(dataDirectory, "blobs")));
        builder.Services.AddSingleton<DatasetStore>();
        builder.Services.AddSingleton(ModelCatalogConfiguration.Read(builder.Configuration));
        builder.Services.AddSingleton<DatasetVersions>();

        builder.Services.Configure<ProviderOptions>(builder.Configuration.GetSection(ProviderOptions.Section));
        builder.Services.AddSingleton(services => new FineTuningProvider(services.GetRequiredService<IOptions<ProviderOptions>>().Value));
        builder.Services.AddSingleton<JobStore>();
        builder.Services.Configure<Models.ModelTableOptions>(builder.Configuration.GetSection(Models.ModelTableOptions.Section));
    }
}
