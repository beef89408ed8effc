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

        // The LocalProvider's host and port as the dashboard shows them, which a user pastes: nothing else of the
        // machine. Only when the AppHost runs a LocalProvider, that is on a developer's machine; a server with a
        // real provider allows nothing it is not given.
        var localProvider = ReferenceExpression.Create($"{provider.LocalProvider.GetEndpoint("http").Property(EndpointProperty.HostAndPort)}");
        return service.WithEnvironment("FineTune__Egress__AllowedHosts",
            allowed is null ? localProvider : ReferenceExpression.Create($"{allowed},{localProvider}"));
    }
}
