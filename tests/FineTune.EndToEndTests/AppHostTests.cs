using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using System.Threading.Channels;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;

namespace FineTune.EndToEndTests;

[Collection(AppHostCollection.Name)]
public sealed class AppHostTests(AppHostFixture fixture)
{
    [Fact]
    public async Task Upload_job_and_success_through_the_api_of_the_running_apphost()
    {
        using var api = fixture.CreateApiClient();
        var redisConnectionString = await fixture.App.GetConnectionStringAsync("redis");
        await using var redis = await ConnectionMultiplexer.ConnectAsync(redisConnectionString!);
        var updates = Channel.CreateUnbounded<JobUpdate>();
        (await redis.GetSubscriber().SubscribeAsync(RedisChannel.Literal(RedisChannels.JobUpdates)))
            .OnMessage(message => updates.Writer.TryWrite(FineTuneJson.Deserialize<JobUpdate>(message.Message.ToString())));

        using var content = new StreamContent(File.OpenRead(AppHostFixture.Sample("capitals-train.jsonl")));
        var upload = await api.PostAsync("/api/datasets?name=capitals-train.jsonl", content);
        Assert.Equal(HttpStatusCode.Created, upload.StatusCode);
        var dataset = (await upload.Content.ReadFromJsonAsync<DatasetRecord>(FineTuneJson.Options))!;
        Assert.Equal(DatasetRecord.StatusValid, dataset.Status);

        var created = await api.PostAsJsonAsync("/api/jobs", new CreateJobRequest(dataset.Id, "gpt-4.1-mini", Suffix: "e2e"), FineTuneJson.Options);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var job = (await created.Content.ReadFromJsonAsync<FineTuneJob>(FineTuneJson.Options))!;

        using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        var last = job;
        await foreach (var update in updates.Reader.ReadAllAsync(deadline.Token))
        {
            if (update.Job.Id != job.Id) continue;
            last = update.Job;
            if (JobStatus.IsTerminal(last.Status)) break;
        }

        Assert.Equal(JobStatus.Succeeded, last.Status);
        var stored = (await api.GetFromJsonAsync<FineTuneJob>($"/api/jobs/{job.Id}", FineTuneJson.Options))!;
        Assert.StartsWith("ft:gpt-4.1-mini:", stored.FineTunedModel);
        var events = (await api.GetFromJsonAsync<JobEventPage>($"/api/jobs/{job.Id}/events", FineTuneJson.Options))!;
        Assert.Contains(events.Data, e => e.Type == "metrics");
    }

    [Fact]
    public void The_admin_token_and_the_single_sign_on_secret_are_secret_parameters_the_dashboard_masks()
    {
        var model = fixture.App.Services.GetRequiredService<DistributedApplicationModel>();
        var parameters = model.Resources.OfType<ParameterResource>().ToDictionary(parameter => parameter.Name);

        Assert.True(parameters["admin-token"].Secret);
        Assert.True(parameters["oidc-client-secret"].Secret);
    }

    // The LocalProvider is a loopback address, which the egress policy refuses unless allowed: the AppHost allows it.
    [Fact]
    public async Task A_workspace_may_connect_to_the_LocalProvider_the_AppHost_starts_with_no_setting()
    {
        using var api = fixture.CreateApiClient();
        var endpoint = new Uri(fixture.App.GetEndpoint("localprovider", "http"), "v1").ToString();

        var created = await api.PostAsJsonAsync("/api/connections", new ProviderConnectionRequest("Local", ProviderConnectionKind.Local, endpoint), FineTuneJson.Options);
        Assert.True(created.StatusCode == HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        var connection = (await created.Content.ReadFromJsonAsync<ProviderConnection>(FineTuneJson.Options))!;
        var test = (await (await api.PostAsync($"/api/connections/{connection.Id}/test", null)).Content.ReadFromJsonAsync<ConnectionTestResult>(FineTuneJson.Options))!;
        Assert.True(test.Ok, test.Message);
        Assert.Equal(HttpStatusCode.NoContent, (await api.DeleteAsync($"/api/connections/{connection.Id}")).StatusCode);
    }

    [Fact]
    public async Task The_dashboard_offers_fault_commands_on_the_LocalProvider_load_samples_on_the_Api_and_links_to_the_console()
    {
        var providerCommands = CommandsOf("localprovider");
        Assert.All(["Inject 429s", "Slow uploads", "Clear faults"], command => Assert.Contains(command, providerCommands));
        Assert.Contains("Load samples", CommandsOf("api"));

        // Enabled, since the resources are running; and the links as the dashboard lists them.
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await fixture.App.ResourceNotifications.WaitForResourceAsync("localprovider", update => update.Snapshot.Commands
            .Count(command => command.Name is "inject-429s" or "slow-uploads" or "clear-faults" && command.State == ResourceCommandState.Enabled) == 3, deadline.Token);
        await fixture.App.ResourceNotifications.WaitForResourceAsync("api", update =>
            update.Snapshot.Commands.Any(command => command.Name == "load-samples" && command.State == ResourceCommandState.Enabled)
            && update.Snapshot.Urls.Any(url => url.DisplayProperties.DisplayName == "OpenAPI document" && url.Url.EndsWith("/openapi/v1.json", StringComparison.Ordinal)),
            deadline.Token);
        await fixture.App.ResourceNotifications.WaitForResourceAsync("web", update => update.Snapshot.Urls
            .Any(url => url.DisplayProperties.DisplayName == "FineTune console" && url.Url.EndsWith("/login", StringComparison.Ordinal)), deadline.Token);
    }

    [Fact]
    public async Task The_fault_commands_make_the_LocalProvider_slow_then_answer_429_and_clear_faults_makes_it_answer_normally()
    {
        using var provider = new HttpClient { BaseAddress = fixture.App.GetEndpoint("localprovider", "http") };
        provider.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "local");
        try
        {
            await ExecuteAsync("localprovider", "slow-uploads");
            var rule = Assert.Single((await provider.GetFromJsonAsync<JsonElement>("/admin/faults")).GetProperty("rules").EnumerateArray()).GetProperty("rule");
            Assert.Equal(("delay", "/v1/files"), (rule.GetProperty("kind").GetString(), rule.GetProperty("path").GetString()));

            await ExecuteAsync("localprovider", "inject-429s");
            Assert.Equal(HttpStatusCode.TooManyRequests, (await provider.GetAsync("/v1/models")).StatusCode);

            await ExecuteAsync("localprovider", "clear-faults");
            Assert.Equal(HttpStatusCode.OK, (await provider.GetAsync("/v1/models")).StatusCode);
        }
        finally
        {
            // Every end-to-end test shares this provider: none may see the faults, whatever failed above.
            (await provider.DeleteAsync("/admin/faults")).EnsureSuccessStatusCode();
        }
    }

    [Fact]
    public async Task Load_samples_uploads_each_sample_into_the_default_workspace_once()
    {
        using var api = fixture.CreateApiClient();
        var samples = Directory.EnumerateFiles(Path.GetDirectoryName(AppHostFixture.Sample("capitals-train.jsonl"))!, "*.jsonl")
            .ToDictionary(path => Path.GetFileName(path), path => Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path))));
        // Other tests upload the samples too: without theirs, the command is seen uploading every one.
        foreach (var dataset in (await ListDatasetsAsync(api)).Where(d => samples.ContainsKey(d.Name) || samples.ContainsValue(d.Sha256)))
        {
            Assert.Equal(HttpStatusCode.NoContent, (await api.DeleteAsync($"/api/datasets/{dataset.Id}")).StatusCode);
        }

        await ExecuteAsync("api", "load-samples");

        var loaded = (await ListDatasetsAsync(api)).Where(d => samples.ContainsKey(d.Name)).ToList();
        Assert.Equal(samples.OrderBy(s => s.Key).ToList(), loaded.Select(d => KeyValuePair.Create(d.Name, d.Sha256)).OrderBy(s => s.Key).ToList());
        await ExecuteAsync("api", "load-samples");
        Assert.Equal(loaded.Select(d => d.Id).Order(), (await ListDatasetsAsync(api)).Where(d => samples.ContainsKey(d.Name)).Select(d => d.Id).Order());
    }

    [Fact]
    public void A_generated_admin_token_is_kept_readable_by_its_owner_only_and_stays_the_same()
    {
        var directory = Directory.CreateTempSubdirectory("finetune-admin-token-").FullName;
        try
        {
            var configuration = new ConfigurationBuilder().Build();
            var token = FineTune.AppHost.AdminToken.FromConfigurationOrDataDirectory(configuration, directory);

            Assert.StartsWith("ft-admin-", token);
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(directory, "admin-token")));
            Assert.Equal(token, FineTune.AppHost.AdminToken.FromConfigurationOrDataDirectory(configuration, directory));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private HashSet<string> CommandsOf(string resource) =>
        fixture.App.Services.GetRequiredService<DistributedApplicationModel>().Resources.Single(r => r.Name == resource)
            .Annotations.OfType<ResourceCommandAnnotation>().Select(command => command.DisplayName).ToHashSet();

    private async Task ExecuteAsync(string resource, string command)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        var result = await fixture.App.Services.GetRequiredService<ResourceCommandService>().ExecuteCommandAsync(resource, command, deadline.Token);
        Assert.True(result.Success, $"{command}: {result.Message}");
    }

    private static async Task<List<DatasetRecord>> ListDatasetsAsync(HttpClient api) =>
        (await api.GetFromJsonAsync<List<DatasetRecord>>("/api/datasets", FineTuneJson.Options))!;
}
