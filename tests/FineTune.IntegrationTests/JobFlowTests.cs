using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Threading.Channels;
using FineTune.IntegrationTests.Infrastructure;
using OpenAI.Chat;
using StackExchange.Redis;

namespace FineTune.IntegrationTests;

public sealed class JobFlowOnGarnetTests(FineTuneStack<GarnetRedisServer> stack)
    : JobFlowTests<GarnetRedisServer>(stack), IClassFixture<FineTuneStack<GarnetRedisServer>>;

public sealed class JobFlowOnRedisServerTests(FineTuneStack<DebianRedisServer> stack)
    : JobFlowTests<DebianRedisServer>(stack), IClassFixture<FineTuneStack<DebianRedisServer>>;

// Upload → job → live events → fine-tuned model, through the Api, Worker and LocalProvider
// as real processes, with the real OpenAI SDK between FineTune and the provider.
public abstract class JobFlowTests<TRedis>(FineTuneStack<TRedis> stack) where TRedis : IRedisServer, new()
{
    private static readonly TimeSpan JobDeadline = TimeSpan.FromSeconds(120);

    [Fact]
    public async Task A_valid_dataset_becomes_a_fine_tuned_model_with_an_exact_event_history()
    {
        using var api = stack.CreateApiClient();
        await using var redis = await ConnectionMultiplexer.ConnectAsync(stack.Redis.ConnectionString);
        var updates = await SubscribeToJobUpdatesAsync(redis);

        var dataset = await ApiCalls.UploadSampleAsync(api, "capitals-train.jsonl");
        Assert.Equal(DatasetRecord.StatusValid, dataset.Status);

        var created = await CreateJobAsync(api, dataset.Id, suffix: "capitals");
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        // The Api answers at once; the Worker sends the dataset and creates the job on the provider.
        var accepted = (await created.Content.ReadFromJsonAsync<FineTuneJob>(FineTuneJson.Options))!;
        Assert.Equal(JobStatus.Uploading, accepted.Status);
        var job = await ApiCalls.WaitUntilLaunchedAsync(api, accepted.Id, JobDeadline, () => stack.Logs);
        Assert.StartsWith("ftjob-", job.ProviderJobId);

        var published = await ReadUntilTerminalAsync(updates, job.Id);
        Assert.Equal(JobStatus.Succeeded, published[^1].Job.Status);

        var finished = (await api.GetFromJsonAsync<FineTuneJob>($"/api/jobs/{job.Id}", FineTuneJson.Options))!;
        Assert.Equal(JobStatus.Succeeded, finished.Status);
        Assert.StartsWith("ft:gpt-4.1-mini:", finished.FineTunedModel);
        Assert.Contains(":capitals:", finished.FineTunedModel);
        // The Worker kept what the provider resolved: "auto" made concrete, and the results file.
        Assert.NotNull(finished.ResolvedHyperparameters);
        Assert.Equal(3, finished.ResolvedHyperparameters.NEpochs);
        Assert.NotNull(finished.ResolvedHyperparameters.BatchSize);
        Assert.NotNull(finished.ResolvedHyperparameters.LearningRateMultiplier);
        Assert.NotNull(finished.ResultFiles);
        Assert.NotEmpty(finished.ResultFiles);
        Assert.Null(finished.EstimatedFinish);
        Assert.Null(finished.Source);
        // ... and published it with the terminal update, so a live page shows it without asking the Api.
        Assert.NotEmpty(published[^1].Job.ResultFiles ?? []);
        // While it ran, the provider's estimate was kept current.
        Assert.Contains(published, u => u.Job.Status == JobStatus.Running && u.Job.EstimatedFinish is not null);

        // The stored history is exactly the provider's event list, and each event was published once.
        var history = (await api.GetFromJsonAsync<JobEventPage>($"/api/jobs/{job.Id}/events", FineTuneJson.Options))!;
        var providerEvents = await stack.CreateProvider().GetEventsSinceAsync(job.ProviderJobId!, null, CancellationToken.None);
        Assert.Equal(providerEvents.Select(e => e.Id), history.Data.Select(e => e.Id));
        Assert.Equal(history.Data.Select(e => e.Id), published.SelectMany(u => u.NewEvents).Select(e => e.Id));
        Assert.False(history.HasMore);

        var losses = history.Data.Where(e => e.Type == "metrics")
            .Select(e => e.Data!.Value.GetProperty("train_loss").GetDouble()).ToList();
        Assert.NotEmpty(losses);
        Assert.All(losses, loss => Assert.True(double.IsFinite(loss) && loss > 0));

        var afterThird = (await api.GetFromJsonAsync<JobEventPage>($"/api/jobs/{job.Id}/events?after={history.Data[2].Id}", FineTuneJson.Options))!;
        Assert.Equal(history.Data.Skip(3).Select(e => e.Id), afterThird.Data.Select(e => e.Id));

        var chat = new ChatClient(finished.FineTunedModel, new System.ClientModel.ApiKeyCredential("test"),
            new OpenAI.OpenAIClientOptions { Endpoint = new Uri(stack.ProviderEndpoint) });
        ChatCompletion answer = await chat.CompleteChatAsync(new UserChatMessage("What is the capital of France?"));
        Assert.False(string.IsNullOrWhiteSpace(answer.Content[0].Text));
    }

    [Fact]
    public async Task A_job_created_on_the_provider_outside_FineTune_is_imported_once_with_its_full_history()
    {
        using var api = stack.CreateApiClient();
        await using var redis = await ConnectionMultiplexer.ConnectAsync(stack.Redis.ConnectionString);
        var updates = await SubscribeToJobUpdatesAsync(redis);

        // Straight to the provider through the OpenAI SDK's pipeline: FineTune's Api is never told.
        var provider = stack.CreateProvider();
        var (fileId, providerJob) = await ApiCalls.TrainOutsideAsync(provider, epochs: 2, seed: 5);

        var published = await ReadUntilTerminalAsync(updates, update => update.Job.ProviderJobId == providerJob.Id, $"imported {providerJob.Id}");
        Assert.Equal(JobStatus.Succeeded, published[^1].Job.Status);

        // Listed once, marked as imported, with the provider's file instead of a dataset.
        var all = (await api.GetFromJsonAsync<List<FineTuneJob>>("/api/jobs", FineTuneJson.Options))!;
        var imported = Assert.Single(all, j => j.ProviderJobId == providerJob.Id);
        Assert.Equal(FineTuneJob.ImportedSource, imported.Source);
        Assert.True(imported.IsImported);
        Assert.Equal("", imported.TrainingDatasetId);
        Assert.Equal(fileId, imported.TrainingFileId);
        Assert.Equal(JobStatus.Succeeded, imported.Status);
        Assert.Equal("gpt-4.1-mini", imported.Model);
        Assert.Equal("outside", imported.Suffix);
        Assert.StartsWith("ft:gpt-4.1-mini:", imported.FineTunedModel);
        Assert.Equal(2, imported.ResolvedHyperparameters?.NEpochs);
        Assert.NotEmpty(imported.ResultFiles ?? []);

        // Its whole history, exactly the provider's, each event published once.
        var history = (await api.GetFromJsonAsync<JobEventPage>($"/api/jobs/{imported.Id}/events?limit=10000", FineTuneJson.Options))!;
        var providerEvents = await provider.GetEventsSinceAsync(providerJob.Id, null, CancellationToken.None);
        Assert.Equal(providerEvents.Select(e => e.Id), history.Data.Select(e => e.Id));
        Assert.Contains(history.Data, e => e.Type == "metrics");
        Assert.Equal(history.Data.Select(e => e.Id), published.SelectMany(u => u.NewEvents).Select(e => e.Id));

        // An import pass has run since every job the other tests created through the Api: none was imported again.
        var providerJobIds = all.Where(j => j.ProviderJobId is not null).Select(j => j.ProviderJobId).ToList();
        Assert.Equal(providerJobIds.Count, providerJobIds.Distinct().Count());
        Assert.Single(all, j => j.IsImported);
    }

    [Fact]
    public async Task An_invalid_dataset_is_stored_as_invalid_and_refused_for_a_job_with_its_reasons()
    {
        using var api = stack.CreateApiClient();

        var dataset = await ApiCalls.UploadSampleAsync(api, "capitals-with-errors.jsonl");
        Assert.Equal(DatasetRecord.StatusInvalid, dataset.Status);
        Assert.Contains(dataset.Report.Errors, e => e is { Line: 2, Code: "invalid_json" });

        var response = await CreateJobAsync(api, dataset.Id, suffix: null);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        var reasons = problem.GetProperty("errors").GetProperty("trainingDatasetId").EnumerateArray().Select(r => r.GetString()).ToList();
        Assert.Contains(reasons, r => r!.Contains("line 2") && r.Contains("invalid_json"));
    }

    [Fact]
    public async Task Validate_takes_a_multipart_file_and_stores_nothing()
    {
        using var api = stack.CreateApiClient();
        var before = (await api.GetFromJsonAsync<List<DatasetRecord>>("/api/datasets", FineTuneJson.Options))!.Count;

        using var form = new MultipartFormDataContent();
        form.Add(new StreamContent(File.OpenRead(Repository.Sample("capitals-with-errors.jsonl"))), "file", "capitals-with-errors.jsonl");
        var response = await api.PostAsync("/api/datasets/validate", form);

        response.EnsureSuccessStatusCode();
        var report = (await response.Content.ReadFromJsonAsync<DatasetReport>(FineTuneJson.Options))!;
        Assert.False(report.Valid);
        Assert.Equal([2, 3, 4, 5, 6, 7], report.Errors.Select(e => e.Line));
        Assert.Equal(before, (await api.GetFromJsonAsync<List<DatasetRecord>>("/api/datasets", FineTuneJson.Options))!.Count);
    }

    [Fact]
    public async Task The_same_idempotency_key_gives_the_same_job()
    {
        using var api = stack.CreateApiClient();
        var dataset = await ApiCalls.UploadSampleAsync(api, "capitals-train.jsonl");
        var key = Guid.NewGuid().ToString();

        var first = await (await CreateJobAsync(api, dataset.Id, suffix: "once", idempotencyKey: key)).Content.ReadFromJsonAsync<FineTuneJob>(FineTuneJson.Options);
        var second = await (await CreateJobAsync(api, dataset.Id, suffix: "once", idempotencyKey: key)).Content.ReadFromJsonAsync<FineTuneJob>(FineTuneJson.Options);

        Assert.Equal(first!.Id, second!.Id);
        var launched = await ApiCalls.WaitUntilLaunchedAsync(api, first.Id, JobDeadline, () => stack.Logs);
        Assert.Single((await stack.CreateProvider().ListJobsAsync(null, 100, CancellationToken.None)).Data, j => j.Id == launched.ProviderJobId);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("not-a-token")]
    public async Task Without_a_known_token_the_api_answers_401(string? token)
    {
        using var api = stack.CreateApiClient(token);

        Assert.Equal(HttpStatusCode.Unauthorized, (await api.GetAsync("/api/jobs")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await api.PostAsync("/api/datasets?name=x", new StringContent("{}"))).StatusCode);
    }

    [Fact]
    public async Task The_openapi_document_lists_the_core_routes()
    {
        using var api = stack.CreateApiClient(token: null);

        var document = await api.GetFromJsonAsync<JsonElement>("/openapi/v1.json");

        var paths = document.GetProperty("paths").EnumerateObject().Select(p => p.Name).ToList();
        Assert.Contains("/api/datasets/validate", paths);
        Assert.Contains("/api/jobs/{id}/events", paths);
        Assert.Contains("/api/jobs/{id}/pause", paths);
    }

    private static Task<HttpResponseMessage> CreateJobAsync(HttpClient api, string datasetId, string? suffix, string? idempotencyKey = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/jobs")
        {
            Content = JsonContent.Create(
                new CreateJobRequest(datasetId, "gpt-4.1-mini", Suffix: suffix, Seed: 7,
                    Method: new JobMethod("supervised", new JobHyperparameters(NEpochs: 3))),
                options: FineTuneJson.Options),
        };
        if (idempotencyKey is not null) request.Headers.Add("Idempotency-Key", idempotencyKey);
        return api.SendAsync(request);
    }

    private static async Task<ChannelReader<JobUpdate>> SubscribeToJobUpdatesAsync(ConnectionMultiplexer redis)
    {
        var updates = Channel.CreateUnbounded<JobUpdate>();
        var queue = await redis.GetSubscriber().SubscribeAsync(RedisChannel.Literal(RedisChannels.JobUpdates));
        queue.OnMessage(message => updates.Writer.TryWrite(FineTuneJson.Deserialize<JobUpdate>(message.Message.ToString())));
        return updates.Reader;
    }

    private Task<List<JobUpdate>> ReadUntilTerminalAsync(ChannelReader<JobUpdate> updates, string jobId) =>
        ReadUntilTerminalAsync(updates, update => update.Job.Id == jobId, $"Job {jobId}");

    private async Task<List<JobUpdate>> ReadUntilTerminalAsync(ChannelReader<JobUpdate> updates, Func<JobUpdate, bool> ofJob, string jobId)
    {
        using var deadline = new CancellationTokenSource(JobDeadline);
        var received = new List<JobUpdate>();
        try
        {
            await foreach (var update in updates.ReadAllAsync(deadline.Token))
            {
                if (!ofJob(update)) continue;
                received.Add(update);
                if (JobStatus.IsTerminal(update.Job.Status)) return received;
            }
        }
        catch (OperationCanceledException)
        {
            Assert.Fail($"{jobId} did not finish within {JobDeadline}; last status {received.LastOrDefault()?.Job.Status}.\n{stack.Logs}");
        }
        return received;
    }
}
