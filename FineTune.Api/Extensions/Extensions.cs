using FineTune.Api.Accounts;
using FineTune.Api.Connections;
using FineTune.Api.Datasets;
using FineTune.Api.Security;
using FineTune.Api.Workspaces;

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
        builder.AddRequestLimits();

        builder.Services.AddAuthentication(ApiTokenAuthentication.SchemeName)
            .AddScheme<ApiTokenAuthenticationOptions, ApiTokenAuthentication>(ApiTokenAuthentication.SchemeName, null);
        builder.Services.AddAuthorizationBuilder().AddPolicy(ServerOwner.Policy, ServerOwner.Require);
        builder.Services.AddSingleton<ApiTokenStore>();
        builder.Services.AddSingleton<UserStore>();
        builder.Services.AddSingleton<NewAccounts>();
        builder.Services.AddSingleton<SignInLockout>();
        builder.Services.AddOptions<OidcOptions>().BindConfiguration(OidcOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<OidcSignIn>();
        builder.Services.AddOptions<AccountOptions>().BindConfiguration(AccountOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddOptions<BootstrapOptions>().BindConfiguration(BootstrapOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        // A backup given in FineTune:Restore:From is loaded before any other start-up work writes to the store.
        builder.Services.AddSingleton<Backups.ServerBackup>();
        builder.Services.AddOptions<Backups.RestoreOptions>().BindConfiguration(Backups.RestoreOptions.Section);
        builder.Services.AddHostedService<Backups.BackupRestore>();
        builder.Services.AddHostedService<AdminBootstrap>();

        builder.Services.AddSingleton<WorkspaceStore>();
        builder.Services.AddSingleton<InvitationStore>();
        builder.Services.AddScoped<WorkspaceAccess>();

        var dataDirectory = builder.DataDirectory();
        builder.Services.AddSingleton(new BlobStore(Path.Combine(dataDirectory, "blobs")));
        builder.Services.AddSingleton<DatasetStore>();
        builder.Services.AddModelInventory(builder.Configuration);
        builder.Services.AddSingleton<DatasetVersions>();
        builder.Services.AddSingleton<DatasetExports>();

        builder.Services.AddOptions<ProviderOptions>().BindConfiguration(ProviderOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        // Workspace connections and webhooks are addresses users gave: only public ones, or what the operator allows.
        builder.Services.AddOptions<EgressOptions>().BindConfiguration(EgressOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        // The server connection's client is also the FineTuningProvider singleton.
        builder.AddKeyRing(KeyRing.ProviderSecrets);
        builder.Services.AddProviderConnections();
        builder.Services.AddHttpContextAccessor();
        builder.Services.AddScoped<ConnectionLookup>();
        builder.Services.AddSingleton<JobStore>();
        // The job workflows the job routes call: create and launch, approvals, control, provider reads.
        builder.Services.AddSingleton<Jobs.JobCreator>();
        builder.Services.AddSingleton<Jobs.JobReruns>();
        builder.Services.AddSingleton<Jobs.JobApprovals>();
        builder.Services.AddSingleton<Jobs.JobControl>();
        builder.Services.AddSingleton<Jobs.JobArtifacts>();
        builder.Services.AddSingleton<Bundles.BundleExporter>();
        builder.Services.AddSingleton<Bundles.BundleImporter>();
        builder.Services.AddSingleton<EvalStore>();
        builder.Services.AddSingleton<Evals.EvalRecordings>();
        // Records stored by older versions are entered in today's indexes before the Api serves requests.
        builder.Services.AddHostedService<Migrations.StoreMigrations>();

        // Governance: who did what, monthly budgets with owners' approval, notifications and webhooks.
        builder.Services.AddSingleton<Audit.AuditLog>();
        builder.Services.AddSingleton<BudgetStore>();
        builder.Services.AddJobNotifications();
    }
}
