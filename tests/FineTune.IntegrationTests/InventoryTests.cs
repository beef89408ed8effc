using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using FineTune.IntegrationTests.Infrastructure;

namespace FineTune.IntegrationTests;

// GET /api/inventory over the real services: a model a job trained, with the model table's dates and its last use in the
// playground; and a workspace connection's provider (a second LocalProvider that announces a shutdown_date for
// gpt-4.1-mini) whose own date wins over the table's, for a job's model and for one trained there outside FineTune.
public sealed class InventoryTests(FineTuneStack<GarnetRedisServer> stack) : IClassFixture<FineTuneStack<GarnetRedisServer>>, IAsyncLifetime
{
    // Later than the model table's 2027-01-14, as Azure keeps the gpt-4.1 family.
    private static readonly DateOnly ProviderShutdown = new(2027, 10, 14);
    private static readonly DateOnly TableShutdown = new(2027, 1, 14);
    private static readonly DateOnly TableTrainingEnds = new(2027, 1, 6);

    private readonly string _directory = Directory.CreateTempSubdirectory("finetune-inventory-").FullName;
    private ServiceProcess _provider = null!;

    public async Task InitializeAsync() =>
        _provider = await ServiceProcess.StartAsync("FineTune.LocalProvider", new Dictionary<string, string>
        {
            ["FineTune__DataDirectory"] = Path.Combine(_directory, "localprovider"),
            ["LocalProvider__StepDelay"] = "00:00:00.020",
            ["LocalProvider__ShutdownDates__gpt-4.1-mini"] = ProviderShutdown.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        });

    public async Task DisposeAsync()
    {
        await _provider.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    private static int DaysUntil(DateOnly date) => date.DayNumber - DateOnly.FromDateTime(DateTime.UtcNow).DayNumber;

    [Fact]
    public async Task A_model_a_job_trained_is_listed_with_its_job_datasets_the_model_tables_dates_and_its_last_use()
    {
        var owner = await TestAccounts.RegisterAsync(stack.Api.BaseAddress, "Owner");
        using var api = owner.Client(stack.Api.BaseAddress, owner.WorkspaceId);
        var dataset = await ApiCalls.UploadSampleAsync(api);
        var job = await TrainAsync(api, new CreateJobRequest(dataset.Id, "gpt-4.1-mini", Method: OneEpoch));

        var model = Assert.Single((await InventoryAsync(api)).Models);
        Assert.Equal(job.FineTunedModel, model.Model);
        Assert.Equal("gpt-4.1-mini", model.BaseModel);
        Assert.Equal(job.Id, model.JobId);
        Assert.Equal([dataset.Id], model.DatasetIds);
        Assert.Equal(ProviderConnection.ServerId, model.ConnectionId);
        Assert.NotNull(model.CreatedAt);
        Assert.Null(model.LastUsedAt);
        Assert.Equal(TableShutdown, model.ShutdownDate);
        Assert.Equal(TableTrainingEnds, model.TrainingEndsDate);
        Assert.Equal(DaysUntil(TableShutdown), model.DaysLeft);
        Assert.Equal(DaysUntil(TableShutdown) switch { <= 0 => "retired", < 90 => "retiring", _ => "active" }, model.Status);

        // Dates go out as days, not times.
        var raw = await api.GetFromJsonAsync<JsonElement>("/api/inventory");
        Assert.Equal("2027-01-14", raw.GetProperty("models")[0].GetProperty("shutdownDate").GetString());
        Assert.Equal("2027-01-06", raw.GetProperty("models")[0].GetProperty("trainingEndsDate").GetString());

        var before = DateTimeOffset.UtcNow;
        var chat = await api.PostAsJsonAsync("/api/playground/chat",
            new PlaygroundChatRequest(job.FineTunedModel!, [new ChatTurn("user", "What is the capital of France?")], MaxTokens: 8), FineTuneJson.Options);
        Assert.Equal(HttpStatusCode.OK, chat.StatusCode);
        await chat.Content.ReadAsStringAsync();
        var used = Assert.Single((await InventoryAsync(api)).Models);
        Assert.InRange(used.LastUsedAt!.Value, before.AddSeconds(-1), DateTimeOffset.UtcNow.AddSeconds(1));

        // The job's bundle imported back into this workspace names the same model: it is listed once, with the job that trained it.
        var bundle = await api.GetByteArrayAsync($"/api/jobs/{job.Id}/bundle");
        Assert.Equal(HttpStatusCode.Created, (await api.PostAsync("/api/bundles", new ByteArrayContent(bundle))).StatusCode);
        Assert.Equal(job.Id, Assert.Single((await InventoryAsync(api)).Models).JobId);

        // A viewer reads it; another workspace does not see it.
        var outsider = await TestAccounts.RegisterAsync(stack.Api.BaseAddress, "Outsider");
        using var outsiderApi = outsider.Client(stack.Api.BaseAddress, outsider.WorkspaceId);
        Assert.DoesNotContain((await InventoryAsync(outsiderApi)).Models, m => m.Model == job.FineTunedModel);
    }

    [Fact]
    public async Task A_connections_own_models_are_listed_without_a_job_and_the_providers_shutdown_date_wins_over_the_model_table()
    {
        var owner = await TestAccounts.RegisterAsync(stack.Api.BaseAddress, "Owner");
        using var api = owner.Client(stack.Api.BaseAddress, owner.WorkspaceId);
        var connectionId = await AddConnectionAsync(api);
        var dataset = await ApiCalls.UploadSampleAsync(api);
        var job = await TrainAsync(api, new CreateJobRequest(dataset.Id, "gpt-4.1-mini", Method: OneEpoch, ConnectionId: connectionId));
        var outside = await TrainOnProviderAsync();

        var models = (await InventoryAsync(api)).Models;
        Assert.Equal(2, models.Count);
        var fromJob = Assert.Single(models, m => m.Model == job.FineTunedModel);
        Assert.Equal(job.Id, fromJob.JobId);
        Assert.Equal(connectionId, fromJob.ConnectionId);
        Assert.Equal(ProviderShutdown, fromJob.ShutdownDate);
        Assert.Equal(DaysUntil(ProviderShutdown), fromJob.DaysLeft);
        // The provider gives no training end: the model table's.
        Assert.Equal(TableTrainingEnds, fromJob.TrainingEndsDate);

        var providerOnly = Assert.Single(models, m => m.Model == outside);
        Assert.Null(providerOnly.JobId);
        Assert.Empty(providerOnly.DatasetIds);
        Assert.Equal(connectionId, providerOnly.ConnectionId);
        Assert.Equal("gpt-4.1-mini", providerOnly.BaseModel);
        Assert.Equal(ProviderShutdown, providerOnly.ShutdownDate);
        Assert.Equal(DaysUntil(ProviderShutdown) < 90 ? "retiring" : "active", providerOnly.Status);
        Assert.NotNull(providerOnly.CreatedAt);

        // The server's connection is every workspace's, but its models that jobs made belong to those jobs' workspaces.
        Assert.DoesNotContain(models, m => m.ConnectionId == ProviderConnection.ServerId);
    }

    private static readonly JobMethod OneEpoch = new("supervised", new JobHyperparameters(NEpochs: 1));

    private static async Task<ModelInventoryList> InventoryAsync(HttpClient api)
    {
        var response = await api.GetAsync("/api/inventory");
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<ModelInventoryList>(FineTuneJson.Options))!;
    }

    private async Task<FineTuneJob> TrainAsync(HttpClient api, CreateJobRequest request)
    {
        var created = await api.PostAsJsonAsync("/api/jobs", request, FineTuneJson.Options);
        Assert.True(created.StatusCode == HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        var job = (await created.Content.ReadFromJsonAsync<FineTuneJob>(FineTuneJson.Options))!;
        job = await ApiCalls.WaitUntilTerminalAsync(api, job.Id, TimeSpan.FromMinutes(2), () => stack.Logs);
        Assert.Equal(JobStatus.Succeeded, job.Status);
        return job;
    }

    private async Task<string> AddConnectionAsync(HttpClient api)
    {
        var response = await api.PostAsJsonAsync("/api/connections",
            new { name = "Announcing provider", kind = ProviderConnectionKind.Local, endpoint = Endpoint, apiKey = "sk-inventory" }, FineTuneJson.Options);
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
    }

    private string Endpoint => _provider.BaseAddress + "v1";

    // Trained on the connection's provider straight through the SDK: FineTune never hears of the job.
    private async Task<string> TrainOnProviderAsync()
    {
        var provider = new FineTuningProvider(new ProviderOptions { Endpoint = Endpoint, ApiKey = "sk-inventory" });
        string fileId;
        await using (var file = File.OpenRead(Repository.Sample("capitals-train.jsonl")))
            fileId = await provider.UploadTrainingFileAsync(file, "capitals-train.jsonl", CancellationToken.None);
        var job = await provider.CreateJobAsync(new ProviderJobRequest("gpt-4.1-mini", fileId, null, OneEpoch, "outside", 3),
            Guid.NewGuid().ToString(), CancellationToken.None);
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (!JobStatus.IsTerminal(job.Status))
        {
            Assert.True(DateTime.UtcNow < deadline, $"The provider's job {job.Id} is still {job.Status}.\n{_provider.Output}");
            await Task.Delay(100);
            job = await provider.GetJobAsync(job.Id, CancellationToken.None);
        }
        Assert.Equal(JobStatus.Succeeded, job.Status);
        return job.FineTunedModel!;
    }
}
