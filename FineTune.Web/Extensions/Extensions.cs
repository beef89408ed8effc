using FineTune.Web.Account;
using FineTune.Web.Api;
using FineTune.Web.Datasets;
using FineTune.Web.Jobs;
using FineTune.Web.Notifications;
using FineTune.Web.Workspaces;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.Extensions.Http.Resilience;
using MudBlazor.Services;
using StackExchange.Redis;

namespace FineTune.Web.Extensions;

public static class Extensions
{
    public static void AddWebServices(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;

        // In development (the AppHost, the end-to-end tests) a circuit's exception reaches the browser console whole, so a
        // failing browser test prints its cause.
        services.AddRazorComponents().AddInteractiveServerComponents(options => options.DetailedErrors = builder.Environment.IsDevelopment());
        services.AddMudServices();

        // Cookie sign-in; the cookie holds the user's Api token and current workspace (see CookieSignIn).
        services.AddAuthentication(CookieAuthenticationDefaults.AuthenticationScheme)
            .AddCookie(options =>
            {
                options.LoginPath = "/login";
                options.LogoutPath = "/logout";
                options.Cookie.Name = "FineTune.Web";
                options.Cookie.HttpOnly = true;
                options.Cookie.SameSite = SameSiteMode.Lax;
                // Secure whenever the console is served over https; plain http stays usable on a laptop.
                // (A "__Host-" name would need Secure, so it would break sign-in over http.)
                options.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                options.ExpireTimeSpan = TimeSpan.FromHours(8);
                options.SlidingExpiration = true;
            })
            .AddSingleSignOn(builder.Configuration);
        services.AddAuthorization();
        services.AddCascadingAuthenticationState();

        builder.AddKeyRing(KeyRing.WebCookies);

        builder.AddApiClient();
        builder.AddDatasetFiles();
        builder.AddJobUpdates();
    }

    private static void AddApiClient(this IHostApplicationBuilder builder)
    {
#pragma warning disable EXTEXP0001
        builder.Services.AddHttpClient(FineTuneApiClient.HttpClientName, client => client.BaseAddress = new Uri("http://api"))
            // Uploads of up to 50 MB need more than the default 10 s per attempt, and a POST (upload,
            // create job, cancel) must never be sent twice, so retries are for reads only. The service
            // defaults' handler is replaced; RemoveAllResilienceHandlers is marked experimental.
            .RemoveAllResilienceHandlers()
            .AddStandardResilienceHandler(options =>
            {
                options.AttemptTimeout.Timeout = TimeSpan.FromMinutes(2);
                options.TotalRequestTimeout.Timeout = TimeSpan.FromMinutes(5);
                options.CircuitBreaker.SamplingDuration = TimeSpan.FromMinutes(5);
                options.Retry.Delay = TimeSpan.FromMilliseconds(500);
                options.Retry.DisableForUnsafeHttpMethods();
            });
#pragma warning restore EXTEXP0001
        builder.Services.AddSingleton<FineTuneApiClientFactory>();
        builder.Services.AddScoped<SignedInUserToken>();
        builder.Services.AddScoped<CurrentWorkspace>();
        builder.Services.AddScoped(sp => sp.GetRequiredService<FineTuneApiClientFactory>()
            .Create(sp.GetRequiredService<SignedInUserToken>(), sp.GetRequiredService<CurrentWorkspace>()));
        builder.Services.AddScoped<CookieSignIn>();
    }

    private static void AddJobUpdates(this IHostApplicationBuilder builder)
    {
        builder.AddRedisClient("redis");

        var redis = builder.Configuration.GetConnectionString("redis")
            ?? throw new InvalidOperationException("ConnectionStrings:redis is not set. Start the Web through the AppHost, or set ConnectionStrings__redis=localhost:6379.");
        builder.Services.AddSignalR()
            .AddJsonProtocol(options => options.PayloadSerializerOptions = new(FineTuneJson.Options))
            .AddStackExchangeRedis(redis, options => options.Configuration.ChannelPrefix = RedisChannel.Literal("FineTune.Web"));

        builder.Services.AddSingleton<LocalJoins>(); // the LiveUpdateRelay sends to these (see there)
        builder.Services.AddHostedService<LiveUpdateRelay>();
        // The bell's live updates: notifications published by the Api and the Worker.
        builder.Services.AddSingleton<NotificationRelay>();
        builder.Services.AddHostedService(services => services.GetRequiredService<NotificationRelay>());
        builder.Services.AddScoped<LiveFeeds>();
    }
}
