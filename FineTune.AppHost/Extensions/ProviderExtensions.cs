namespace FineTune.AppHost;

// Where fine-tuning jobs run: the LocalProvider started by the AppHost, or an OpenAI-compatible
// endpoint (with its key) given to it.
public sealed record FineTuneProvider(IResourceBuilder<ProjectResource>? LocalProvider, string? Endpoint, string? ApiKey);

public static class ProviderExtensions
{
    // The LocalProvider is started only when FineTune:Provider:Endpoint is not given.
    public static FineTuneProvider AddFineTuneProvider(this IDistributedApplicationBuilder builder, string dataDirectory)
    {
        if (builder.Configuration["FineTune:Provider:Endpoint"] is { } endpoint)
        {
            return new FineTuneProvider(LocalProvider: null, endpoint, builder.Configuration["FineTune:Provider:ApiKey"] ?? "local");
        }

        var localProvider = builder.AddProject<Projects.FineTune_LocalProvider>("localprovider")
            .WithEnvironment("FineTune__DataDirectory", Path.Combine(dataDirectory, "localprovider"))
            .WithHttpHealthCheck("/health");
        return new FineTuneProvider(localProvider, Endpoint: null, ApiKey: null);
    }

    // Points a service at the provider, and makes it wait for the LocalProvider when that is the one.
    public static IResourceBuilder<ProjectResource> WithProvider(this IResourceBuilder<ProjectResource> service, FineTuneProvider provider)
    {
        if (provider.LocalProvider is { } localProvider)
        {
            return service
                .WithEnvironment("FineTune__Provider__Endpoint", ReferenceExpression.Create($"{localProvider.GetEndpoint("http")}/v1"))
                .WaitFor(localProvider);
        }
        return service
            .WithEnvironment("FineTune__Provider__Endpoint", provider.Endpoint)
            .WithEnvironment("FineTune__Provider__ApiKey", provider.ApiKey);
    }
}
