using Microsoft.Extensions.Configuration;

namespace FineTune.AppHost;

public static class SingleSignOnExtensions
{
    // Single sign-on settings given to the AppHost (FineTune:Oidc:Authority, ClientId, ...) go to the Api,
    // which checks the ID tokens, and the Web, which runs the browser's side of the flow.
    public static IResourceBuilder<ProjectResource> WithSingleSignOn(this IResourceBuilder<ProjectResource> service, IConfiguration configuration)
    {
        foreach (var setting in configuration.GetSection("FineTune:Oidc").GetChildren().Where(s => s.Value is not null))
        {
            service = setting.Key == "ClientSecret"
                ? service.WithEnvironment("FineTune__Oidc__ClientSecret", ClientSecret(service.ApplicationBuilder, setting.Value!))
                : service.WithEnvironment($"FineTune__Oidc__{setting.Key}", setting.Value);
        }
        return service;
    }

    // One secret parameter (the dashboard masks it) shared by the services that need it.
    private static IResourceBuilder<ParameterResource> ClientSecret(IDistributedApplicationBuilder builder, string value)
    {
        const string name = "oidc-client-secret";
        return builder.Resources.OfType<ParameterResource>().FirstOrDefault(resource => resource.Name == name) is { } existing
            ? builder.CreateResourceBuilder(existing)
            : builder.AddParameter(name, value, secret: true);
    }
}
