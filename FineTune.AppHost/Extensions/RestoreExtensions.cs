using Microsoft.Extensions.Configuration;

namespace FineTune.AppHost;

public static class RestoreExtensions
{
    // FineTune:Restore:From given to the AppHost (a directory made by `finetune admin backup DIR`) goes to the
    // Api, which loads it into a fresh Redis and data directory before it serves requests.
    public static IResourceBuilder<ProjectResource> WithRestore(this IResourceBuilder<ProjectResource> api, IConfiguration configuration) =>
        configuration["FineTune:Restore:From"] is { Length: > 0 } directory
            ? api.WithEnvironment("FineTune__Restore__From", Path.GetFullPath(directory))
            : api;
}
