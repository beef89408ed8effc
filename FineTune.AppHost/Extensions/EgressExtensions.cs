namespace FineTune.AppHost;

public static class EgressExtensions
{
    // What a workspace's connections and webhooks may reach besides public addresses (see the services'
    // EgressPolicy): what the operator allows (FineTune:Egress:AllowedHosts given to the AppHost), and the
    // LocalProvider when the AppHost starts one, so local development needs no setting.
    public static IResourceBuilder<ProjectResource> WithEgressAllowList(this IResourceBuilder<ProjectResource> service, FineTuneProvider provider)
    {
        var allowed = service.ApplicationBuilder.Configuration["FineTune:Egress:AllowedHosts"];
        if (provider.LocalProvider is null)
            return allowed is null ? service : service.WithEnvironment("FineTune__Egress__AllowedHosts", allowed);

        // The LocalProvider's host with any port: a user pastes the address the dashboard shows, whose port
        // (the AppHost's proxy) is not the one the services are told. Only when the AppHost runs a LocalProvider,
        // that is on a developer's machine; a server with a real provider allows nothing it is not given.
        var localProvider = provider.LocalProvider.GetEndpoint("http").Property(EndpointProperty.Host);
        return service.WithEnvironment("FineTune__Egress__AllowedHosts",
            allowed is null ? ReferenceExpression.Create($"{localProvider}") : ReferenceExpression.Create($"{allowed},{localProvider}"));
    }
}
