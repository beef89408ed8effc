using System.Diagnostics;
using System.Security.Cryptography;
using Microsoft.Extensions.Configuration;

namespace FineTune.AppHost;

public static class ProviderExtensions
{
    // Points a service at the fine-tuning provider: the given endpoint and key, or the LocalProvider.
    public static IResourceBuilder<ProjectResource> WithProvider(
        this IResourceBuilder<ProjectResource> service,
        IResourceBuilder<ProjectResource> localProvider,
        string? endpoint,
        string apiKey)
    {
        if (endpoint is not null)
        {
            return service
                .WithEnvironment("FineTune__Provider__Endpoint", endpoint)
                .WithEnvironment("FineTune__Provider__ApiKey", apiKey);
        }
        return service.WithEnvironment("FineTune__Provider__Endpoint",
            ReferenceExpression.Create($"{localProvider.GetEndpoint("http")}/v1"));
    }
}

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

public static class AdminToken
{
    // FineTune:Bootstrap:AdminToken when given; otherwise a random token kept in the data directory,
    // so a fresh clone signs in with no set-up and the token stays the same across runs.
    public static string FromConfigurationOrDataDirectory(IConfiguration configuration, string dataDirectory)
    {
        if (configuration["FineTune:Bootstrap:AdminToken"] is { Length: > 0 } configured) return configured;

        var path = Path.Combine(dataDirectory, "admin-token");
        if (File.Exists(path)) return File.ReadAllText(path).Trim();

        Directory.CreateDirectory(dataDirectory);
        var token = "ft-admin-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        File.WriteAllText(path, token);
        return token;
    }
}

public static class ContainerRuntime
{
    // True when Docker or Podman answers; a client without an engine (as on our CI) does not.
    public static bool Answers() => Answers("docker") || Answers("podman");

    private static bool Answers(string client)
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo(client, "info --format {{.ServerVersion}}")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            });
            if (process is null) return false;
            if (!process.WaitForExit(TimeSpan.FromSeconds(5)))
            {
                process.Kill(entireProcessTree: true);
                return false;
            }
            return process.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false; // not installed
        }
    }
}
