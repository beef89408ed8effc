using Microsoft.Extensions.Configuration;
using FineTune.AppHost;

var builder = DistributedApplication.CreateBuilder(args);

var dataDirectory = Path.GetFullPath(builder.Configuration["FineTune:DataDirectory"]
    ?? Path.Combine(builder.AppHostDirectory, "..", ".data"));
var adminToken = AdminToken.FromConfigurationOrDataDirectory(builder.Configuration, dataDirectory);

// Redis: an existing server when a connection string is given, a container when a runtime
// answers, else Garnet as a plain process. The services see the same "redis" either way.
IResourceBuilder<IResourceWithConnectionString> redis;
IResourceBuilder<IResource> redisServer;
if (builder.Configuration.GetConnectionString("redis") is not null)
{
    redis = builder.AddConnectionString("redis");
    redisServer = redis;
}
else if (ContainerRuntime.Answers())
{
    var container = builder.AddRedis("redis").WithDataVolume().WithPersistence();
    redis = container;
    redisServer = container;
}
else
{
    var garnet = builder.AddProject<Projects.FineTune_Garnet>("garnet")
        .WithEndpoint(name: "tcp", scheme: "tcp", env: "GARNET_PORT")
        .WithEnvironment("FineTune__DataDirectory", dataDirectory);
    redis = builder.AddConnectionString("redis",
        ReferenceExpression.Create($"{garnet.GetEndpoint("tcp").Property(EndpointProperty.HostAndPort)}"));
    redisServer = garnet;
}

var localProvider = builder.AddProject<Projects.FineTune_LocalProvider>("localprovider")
    .WithEnvironment("FineTune__DataDirectory", Path.Combine(dataDirectory, "localprovider"))
    .WithHttpHealthCheck("/health");

// The LocalProvider unless an OpenAI-compatible endpoint and key are given to the AppHost.
var providerEndpoint = builder.Configuration["FineTune:Provider:Endpoint"];
var providerKey = builder.Configuration["FineTune:Provider:ApiKey"] ?? "local";

var api = builder.AddProject<Projects.FineTune_Api>("api")
    .WithReference(redis).WaitFor(redisServer)
    .WaitFor(localProvider)
    .WithEnvironment("FineTune__DataDirectory", dataDirectory)
    .WithEnvironment("FineTune__Bootstrap__AdminToken", adminToken)
    .WithProvider(localProvider, providerEndpoint, providerKey)
    .WithSingleSignOn(builder.Configuration)
    .WithHttpHealthCheck("/health");

builder.AddProject<Projects.FineTune_Worker>("worker")
    .WithReference(redis).WaitFor(redisServer)
    .WaitFor(localProvider)
    .WithProvider(localProvider, providerEndpoint, providerKey)
    .WithHttpHealthCheck("/health");

var web = builder.AddProject<Projects.FineTune_Web>("web")
    .WithReference(redis).WaitFor(redisServer)
    .WithReference(api).WaitFor(api)
    .WithSingleSignOn(builder.Configuration)
    .WithExternalHttpEndpoints()
    .WithHttpHealthCheck("/health");

builder.Eventing.Subscribe<ResourceReadyEvent>(web.Resource, (_, _) =>
{
    Console.WriteLine($"FineTune is ready at {web.GetEndpoint("http").Url} - sign in with the admin token {adminToken}");
    return Task.CompletedTask;
});

builder.Build().Run();
