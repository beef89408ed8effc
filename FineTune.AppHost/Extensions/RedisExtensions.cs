using Microsoft.Extensions.Configuration;

namespace FineTune.AppHost;

// What a service needs of Redis: the "redis" connection string to reference, and the server to wait for.
public sealed record FineTuneRedis(
    IResourceBuilder<IResourceWithConnectionString> ConnectionString,
    IResourceBuilder<IResource> Server);

public static class RedisExtensions
{
    // An existing server when ConnectionStrings:redis is given, a Redis container when a runtime answers,
    // else Garnet as a plain process in the data directory. The services see the same "redis" either way.
    public static FineTuneRedis AddFineTuneRedis(this IDistributedApplicationBuilder builder, string dataDirectory)
    {
        if (builder.Configuration.GetConnectionString("redis") is not null)
        {
            var existing = builder.AddConnectionString("redis");
            return new FineTuneRedis(existing, existing);
        }

        if (ContainerRuntime.Answers())
        {
            var container = builder.AddRedis("redis").WithDataVolume().WithPersistence();
            return new FineTuneRedis(container, container);
        }

        var garnet = builder.AddProject<Projects.FineTune_Garnet>("garnet")
            .WithEndpoint(name: "tcp", scheme: "tcp", env: "GARNET_PORT")
            .WithEnvironment("FineTune__DataDirectory", dataDirectory);
        var connectionString = builder.AddConnectionString("redis",
            ReferenceExpression.Create($"{garnet.GetEndpoint("tcp").Property(EndpointProperty.HostAndPort)}"));
        return new FineTuneRedis(connectionString, garnet);
    }

    public static IResourceBuilder<ProjectResource> WithRedis(this IResourceBuilder<ProjectResource> service, FineTuneRedis redis) =>
        service.WithReference(redis.ConnectionString).WaitFor(redis.Server);
}
