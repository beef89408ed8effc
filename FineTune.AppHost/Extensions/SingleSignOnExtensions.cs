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
            service = service.WithEnvironment($"FineTune__Oidc__{setting.Key}", setting.Value);
        }
        return service;
    }
}
