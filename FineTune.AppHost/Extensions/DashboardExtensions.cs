using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;

namespace FineTune.AppHost;

// What the dashboard offers a developer besides logs and traces: links that open the right page, faults to throw at
// the console through the LocalProvider, and the repository's samples as datasets to start from.
public static class DashboardExtensions
{
    // The LocalProvider's fault rules (FineTune.LocalProvider/Faults/FaultsApi.cs): each command replaces the rules in force.
    private const string FaultsPath = "/admin/faults";
    private const string RateLimitEveryCall = """{ "seed": 1, "rules": [{ "path": "/v1/*", "kind": "rate_limit" }] }""";
    private const string SlowFileUploads = """{ "seed": 1, "rules": [{ "path": "/v1/files", "method": "POST", "kind": "delay", "delay": "00:00:10" }] }""";

    public static IResourceBuilder<ProjectResource> WithConsoleLink(this IResourceBuilder<ProjectResource> web) =>
        web.WithUrlForEndpoint("http", url =>
        {
            url.DisplayText = "FineTune console";
            url.Url = "/login";
        });

    // The Api serves its OpenAPI document only (no Scalar or Swagger UI).
    public static IResourceBuilder<ProjectResource> WithOpenApiLink(this IResourceBuilder<ProjectResource> api) =>
        api.WithUrlForEndpoint("http", url =>
        {
            url.DisplayText = "OpenAPI document";
            url.Url = "/openapi/v1.json";
        });

    // So a developer can watch the console cope with a provider that refuses or drags, and recover.
    public static IResourceBuilder<ProjectResource> WithFaultCommands(this IResourceBuilder<ProjectResource> localProvider) =>
        localProvider
            .WithHttpCommand(FaultsPath, "Inject 429s", "http", "inject-429s", FaultCommand(HttpMethod.Post, RateLimitEveryCall,
                "Every call to the provider's /v1 routes answers 429 with Retry-After, until Clear faults", "Warning"))
            .WithHttpCommand(FaultsPath, "Slow uploads", "http", "slow-uploads", FaultCommand(HttpMethod.Post, SlowFileUploads,
                "Every file upload to the provider waits 10 seconds, until Clear faults", "Clock"))
            .WithHttpCommand(FaultsPath, "Clear faults", "http", "clear-faults", FaultCommand(HttpMethod.Delete, body: null,
                "The provider answers every call normally again", "ArrowReset"));

    // Uploads samples/*.jsonl into the admin's default workspace, each once: a sample is left out when a dataset there has its
    // name or its bytes (sha256), so the command can be run again after adding a sample, and never piles up copies.
    public static IResourceBuilder<ProjectResource> WithLoadSamplesCommand(this IResourceBuilder<ProjectResource> api, string adminToken)
    {
        var samples = Path.GetFullPath(Path.Combine(api.ApplicationBuilder.AppHostDirectory, "..", "samples"));
        return api.WithCommand("load-samples", "Load samples",
            context => LoadSamplesAsync(context, api.GetEndpoint("http"), adminToken, samples),
            new CommandOptions
            {
                Description = $"Uploads the datasets in {samples} into the admin's default workspace, each once",
                IconName = "DocumentArrowUp",
                UpdateState = EnabledWhenRunning,
            });
    }

    private static HttpCommandOptions FaultCommand(HttpMethod method, string? body, string description, string iconName) => new()
    {
        Method = method,
        Description = description,
        IconName = iconName,
        UpdateState = EnabledWhenRunning,
        PrepareRequest = context =>
        {
            if (body is not null) context.Request.Content = new StringContent(body, Encoding.UTF8, "application/json");
            return Task.CompletedTask;
        },
        GetCommandResult = async context => context.Response.IsSuccessStatusCode
            ? CommandResults.Success()
            : CommandResults.Failure($"The provider answered {(int)context.Response.StatusCode}: {await context.Response.Content.ReadAsStringAsync(context.CancellationToken)}"),
    };

    private static ResourceCommandState EnabledWhenRunning(UpdateCommandStateContext context) =>
        context.ResourceSnapshot.State?.Text == KnownResourceStates.Running ? ResourceCommandState.Enabled : ResourceCommandState.Disabled;

    private static async Task<ExecuteCommandResult> LoadSamplesAsync(ExecuteCommandContext context, EndpointReference endpoint, string adminToken, string samples)
    {
        using var api = context.Services.GetRequiredService<IHttpClientFactory>().CreateClient();
        api.BaseAddress = new Uri(endpoint.Url);
        api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", adminToken);

        var stored = await api.GetFromJsonAsync<List<StoredDataset>>("/api/datasets", JsonSerializerOptions.Web, context.CancellationToken) ?? [];
        var loaded = new List<string>();
        foreach (var path in Directory.EnumerateFiles(samples, "*.jsonl").Order(StringComparer.Ordinal))
        {
            var name = Path.GetFileName(path);
            var bytes = await File.ReadAllBytesAsync(path, context.CancellationToken);
            var sha256 = Convert.ToHexStringLower(SHA256.HashData(bytes));
            if (stored.Any(dataset => dataset.Name == name || dataset.Sha256 == sha256)) continue;

            using var content = new ByteArrayContent(bytes);
            using var response = await api.PostAsync($"/api/datasets?name={Uri.EscapeDataString(name)}", content, context.CancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                return CommandResults.Failure(
                    $"Uploading {name} got {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(context.CancellationToken)}");
            }
            loaded.Add(name);
        }
        return CommandResults.Success(loaded.Count == 0 ? "Every sample is already a dataset" : $"Loaded {string.Join(", ", loaded)}");
    }

    private sealed record StoredDataset(string Name, string Sha256);
}
