using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using FineTune.Tests;
using Microsoft.Extensions.DependencyInjection;

namespace FineTune.EndToEndTests;

// The real AppHost, started once for all end-to-end tests: Garnet, LocalProvider, Api, Worker, Web, with
// single sign-on through a test OpenID Connect provider in this process.
public sealed class AppHostFixture : IAsyncLifetime
{
    public const string AdminToken = "end-to-end-admin-token";
    private static readonly TimeSpan StartDeadline = TimeSpan.FromMinutes(3);

    private readonly string _dataDirectory = Directory.CreateTempSubdirectory("finetune-e2e-").FullName;

    public DistributedApplication App { get; private set; } = null!;
    public TestIdentityProvider IdentityProvider { get; } = new();

    public async Task InitializeAsync()
    {
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.FineTune_AppHost>(
        [
            $"--FineTune:Bootstrap:AdminToken={AdminToken}",
            $"--FineTune:DataDirectory={_dataDirectory}",
            $"--FineTune:Oidc:Authority={IdentityProvider.Issuer}",
            $"--FineTune:Oidc:ClientId={TestIdentityProvider.ClientId}",
            $"--FineTune:Oidc:ClientSecret={TestIdentityProvider.ClientSecret}",
            "--FineTune:Oidc:DisplayName=Test IdP",
            "--FineTune:Oidc:RequireHttpsMetadata=false",
        ]);
        App = await builder.BuildAsync();
        using var deadline = new CancellationTokenSource(StartDeadline);
        await App.StartAsync(deadline.Token);
        foreach (var resource in new[] { "localprovider", "api", "worker", "web" })
        {
            await App.ResourceNotifications.WaitForResourceHealthyAsync(resource, deadline.Token);
        }
        await App.ResourceNotifications.WaitForResourceAsync(RedisServer(), KnownResourceStates.Running, deadline.Token);
    }

    // The AppHost runs Redis in a container when a container runtime answers, and Garnet otherwise
    // (then "redis" names only the connection string).
    private string RedisServer() =>
        App.Services.GetRequiredService<DistributedApplicationModel>().Resources.Any(resource => resource.Name == "garnet") ? "garnet" : "redis";

    public HttpClient CreateApiClient()
    {
        var client = App.CreateHttpClient("api");
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", AdminToken);
        return client;
    }

    public Uri WebAddress => App.GetEndpoint("web", "http");

    public static string Sample(string name) => Path.Combine(AppContext.BaseDirectory, "samples", name);

    // The capitals sample as a dataset of the admin's workspace.
    public Task<DatasetRecord> UploadCapitalsAsync(string name) => UploadSampleAsync("capitals-train.jsonl", name);

    // A sample file as a dataset of the admin's own workspace, or of another the admin belongs to.
    public async Task<DatasetRecord> UploadSampleAsync(string sample, string name, string? workspaceId = null)
    {
        using var api = CreateApiClient();
        if (workspaceId is not null) api.DefaultRequestHeaders.Add("FineTune-Workspace", workspaceId);
        using var content = new StreamContent(File.OpenRead(Sample(sample)));
        var response = await api.PostAsync($"/api/datasets?name={name}", content);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<DatasetRecord>(FineTuneJson.Options))!;
    }

    // A new, empty workspace of the admin's.
    public async Task<WorkspaceMembership> CreateWorkspaceAsync(string name)
    {
        using var api = CreateApiClient();
        var created = await api.PostAsJsonAsync("/api/workspaces", new { name });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        return (await created.Content.ReadFromJsonAsync<WorkspaceMembership>(FineTuneJson.Options))!;
    }

    // A job on the dataset, finished: after 3 epochs the LocalProvider's model answers the dataset's prompts as the data does.
    public async Task<FineTuneJob> TrainAsync(string datasetId, string suffix, int epochs = 3)
    {
        using var api = CreateApiClient();
        var job = await StartJobAsync(datasetId, suffix, epochs);
        var deadline = DateTime.UtcNow.AddMinutes(3);
        while (!JobStatus.IsTerminal(job.Status))
        {
            Assert.True(DateTime.UtcNow < deadline, $"Job {job.Id} is still {job.Status}.");
            await Task.Delay(500);
            job = (await api.GetFromJsonAsync<FineTuneJob>($"/api/jobs/{job.Id}", FineTuneJson.Options))!;
        }
        Assert.Equal(JobStatus.Succeeded, job.Status);
        return job;
    }

    // A job on the dataset, just created: it runs epochs x the dataset's lines steps of 200 ms.
    public async Task<FineTuneJob> StartJobAsync(string datasetId, string suffix, int epochs)
    {
        using var api = CreateApiClient();
        var created = await api.PostAsJsonAsync("/api/jobs", new CreateJobRequest(datasetId, "gpt-4.1-mini", Suffix: suffix, Seed: 5,
            Method: new JobMethod("supervised", new JobHyperparameters(NEpochs: epochs))), FineTuneJson.Options);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        return (await created.Content.ReadFromJsonAsync<FineTuneJob>(FineTuneJson.Options))!;
    }

    // For what the services do in their own time: polls until it holds, for 90 seconds at most.
    public static async Task WaitForAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"Timed out waiting for {what}.");
            await Task.Delay(250);
        }
    }

    public async Task DisposeAsync()
    {
        await App.StopAsync();
        await App.DisposeAsync();
        await IdentityProvider.DisposeAsync();
        Directory.Delete(_dataDirectory, recursive: true);
    }
}

[CollectionDefinition(Name)]
public sealed class AppHostCollection : ICollectionFixture<AppHostFixture>
{
    public const string Name = "AppHost";
}
