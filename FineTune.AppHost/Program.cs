using FineTune.AppHost;

var builder = DistributedApplication.CreateBuilder(args);

var dataDirectory = Path.GetFullPath(builder.Configuration["FineTune:DataDirectory"]
    ?? Path.Combine(builder.AppHostDirectory, "..", ".data"));
var adminToken = AdminToken.FromConfigurationOrDataDirectory(builder.Configuration, dataDirectory);
// Secret parameters: the dashboard masks them.
var adminTokenParameter = builder.AddParameter("admin-token", adminToken, secret: true);

// ConnectionStrings:redis when given, else a Redis container when a runtime answers, else Garnet.
var redis = builder.AddFineTuneRedis(dataDirectory);

// The LocalProvider (with the dashboard's fault commands), unless FineTune:Provider:Endpoint (and ApiKey) name another provider.
var provider = builder.AddFineTuneProvider(dataDirectory);

var api = builder.AddProject<Projects.FineTune_Api>("api")
    .WithRedis(redis)
    .WithProvider(provider)
    .WithEgressAllowList(provider)
    .WithEnvironment("FineTune__DataDirectory", dataDirectory)
    .WithEnvironment("FineTune__Bootstrap__AdminToken", adminTokenParameter)
    .WithSingleSignOn(builder.Configuration)
    .WithRestore(builder.Configuration)
    .WithHttpHealthCheck("/health")
    .WithOpenApiLink()
    .WithLoadSamplesCommand(adminToken);

// After the Api, which restores a backup (FineTune:Restore:From) before it is healthy.
builder.AddProject<Projects.FineTune_Worker>("worker")
    .WithRedis(redis)
    .WithProvider(provider)
    .WithEgressAllowList(provider)
    .WithEnvironment("FineTune__DataDirectory", dataDirectory)
    .WaitFor(api)
    .WithConfiguredReplicas("Worker")
    .WithHttpHealthCheck("/health");

builder.AddProject<Projects.FineTune_Web>("web")
    .WithRedis(redis)
    .WithEnvironment("FineTune__DataDirectory", dataDirectory)
    .WithReference(api).WaitFor(api)
    .WithSingleSignOn(builder.Configuration)
    .WithExternalHttpEndpoints()
    .WithConfiguredReplicas("Web")
    .WithHttpHealthCheck("/health")
    .WithConsoleLink()
    .OnResourceReady((web, _, _) =>
    {
        Console.WriteLine($"FineTune is ready at {web.GetEndpoint("http").Url} - sign in with the admin token {adminToken}");
        return Task.CompletedTask;
    });

builder.Build().Run();
