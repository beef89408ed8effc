using Microsoft.Extensions.Configuration;

namespace FineTune.AppHost;

public static class ReplicaExtensions
{
    // FineTune:Replicas:{Web,Worker} (default 1): how many processes of a service run. Workers share jobs and eval runs
    // by lease; each Web relays live updates to its own connections. With more than one, the AppHost's proxy spreads
    // connections over them, as a load balancer would.
    public static IResourceBuilder<ProjectResource> WithConfiguredReplicas(this IResourceBuilder<ProjectResource> service, string name)
    {
        var replicas = service.ApplicationBuilder.Configuration.GetValue($"FineTune:Replicas:{name}", 1);
        if (replicas < 1) throw new InvalidOperationException($"FineTune:Replicas:{name} is {replicas}; run at least 1.");
        return replicas == 1 ? service : service.WithReplicas(replicas);
    }
}
