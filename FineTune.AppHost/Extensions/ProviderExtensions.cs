namespace FineTune.AppHost;

// Where fine-tuning jobs run: the LocalProvider started by the AppHost, or an OpenAI-compatible
// endpoint (with its key) given to it.
public sealed record FineTuneProvider(IResourceBuilder<ProjectResource>? LocalProvider, string? Endpoint, IResourceBuilder<ParameterResource>? ApiKey);

public static class ProviderExtensions
{
    // The LocalProvider is started only when FineTune:Provider:Endpoint is not given.
    public static FineTuneProvider AddFineTuneProvider(this IDistributedApplicationBuilder builder, string dataDirectory)
    {
        if (builder.Configuration["FineTune:Provider:Endpoint"] is { } endpoint)
        {
            // A secret parameter, so the dashboard masks the key.
            var apiKey = builder.AddParameter("provider-api-key", builder.Configuration["FineTune:Provider:ApiKey"] ?? "local", secret: true);
            return new FineTuneProvider(LocalProvider: null, endpoint, apiKey);
        }

        var localProvider = builder.AddProject<Projects.FineTune_LocalProvider>("localprovider")
            .WithEnvironment("FineTune__DataDirectory", Path.Combine(dataDirectory, "localprovider"))
            .WithHttpHealthCheck("/health")
            .WithFaultCommands();
        return new FineTuneProvider(localProvider, Endpoint: null, ApiKey: null);
    }

    // Points a service at the provider, and makes it wait for the LocalProvider when that is the one.
    public static IResourceBuilder<ProjectResource> WithProvider(this IResourceBuilder<ProjectResource> service, FineTuneProvider provider)
    {
        if (provider is { Endpoint: { } endpoint, ApiKey: { } apiKey })
        {
            return service
                .WithEnvironment("FineTune__Provider__Endpoint", endpoint)
                .WithEnvironment("FineTune__Provider__ApiKey", apiKey);
        }
        var localProvider = provider.LocalProvider!;
        return service
            .WithEnvironment("FineTune__Provider__Endpoint", ReferenceExpression.Create($"{localProvider.GetEndpoint("http")}/v1"))
            .WaitFor(localProvider);
    }
}
