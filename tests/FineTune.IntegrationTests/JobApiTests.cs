using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using FineTune.IntegrationTests.Infrastructure;

namespace FineTune.IntegrationTests;

// The routes that launch a job with confidence and let a user look at and try the result:
// models, estimate, checkpoints, results and the playground, through the real Api, Worker and LocalProvider.
public sealed class JobApiTests(FineTuneStack<GarnetRedisServer> stack) : IClassFixture<FineTuneStack<GarnetRedisServer>>
{
    private static readonly TimeSpan JobDeadline = TimeSpan.FromSeconds(120);

    [Fact]
    public async Task Models_are_the_providers_merged_with_the_model_table()
    {
        using var api = stack.CreateApiClient();

        var models = (await api.GetFromJsonAsync<List<ModelInfo>>("/api/models", FineTuneJson.Options))!;

        var mini = Assert.Single(models, m => m.Id == "gpt-4.1-mini");
        Assert.True(mini.FineTunable);
        Assert.False(mini.FineTuned);
        Assert.Equal(65_536, mini.ContextTokens);
        Assert.Equal(new DateOnly(2027, 1, 14), mini.ShutdownDate);
        Assert.Equal(new DateOnly(2027, 1, 6), mini.FineTuningEndsDate);
        var nano = Assert.Single(models, m => m.Id == "gpt-4.1-nano");
        Assert.Null(nano.ShutdownDate);
    }

    [Fact]
    public async Task The_job_list_filters_by_status_and_pages_on_after_a_job_even_one_that_changed_status()
    {
        using var api = stack.CreateApiClient();
        var workspace = await ApiCalls.UseNewWorkspaceAsync(api, "Job list");
        await using var redis = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(stack.Redis.ConnectionString);
        var jobs = new JobStore(redis);
        // Five finished jobs (the Worker leaves those alone), newest last; two of them created in the same millisecond.
        var start = DateTimeOffset.UtcNow.AddDays(-1);
        string[] statuses = [JobStatus.Failed, JobStatus.Succeeded, JobStatus.Failed, JobStatus.Failed, JobStatus.Succeeded];
        var saved = statuses.Select((status, i) => new FineTuneJob
        {
            Id = $"job_list{i}{Guid.NewGuid():N}"[..20],
            WorkspaceId = workspace.Id,
            Status = status,
            Model = "gpt-4.1-mini",
            TrainingDatasetId = "ds_list",
            Method = new JobMethod("supervised", null),
            CreatedBy = "admin",
            CreatedAt = start.AddSeconds(i == 3 ? 2 : i),
        }).ToList();
        foreach (var job in saved) await jobs.SaveAsync(job);
        var newestFirst = saved.OrderByDescending(job => job.CreatedAt).ThenByDescending(job => job.Id, StringComparer.Ordinal).Select(job => job.Id).ToList();

        Assert.Equal(newestFirst, await IdsAsync(api, "/api/jobs"));
        var failed = newestFirst.Where(id => saved.Single(job => job.Id == id).Status == JobStatus.Failed).ToList();
        Assert.Equal(failed, await IdsAsync(api, "/api/jobs?status=failed"));
        // Page by page, two at a time, through the same-millisecond pair.
        var paged = new List<string>();
        for (var page = await IdsAsync(api, "/api/jobs?limit=2"); page.Count > 0; page = await IdsAsync(api, $"/api/jobs?limit=2&after={paged[^1]}"))
            paged.AddRange(page);
        Assert.Equal(newestFirst, paged);
        // The newest failed job changes status: the failed list no longer holds it, and still goes on after it.
        await jobs.SaveAsync(saved.Single(job => job.Id == failed[0]) with { Status = JobStatus.Succeeded });
        Assert.Equal(failed[1..], await IdsAsync(api, $"/api/jobs?status=failed&after={failed[0]}"));
        Assert.DoesNotContain(failed[0], await IdsAsync(api, "/api/jobs?status=failed"));

        var unknown = await api.GetAsync("/api/jobs?status=done");
        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
        var problem = await unknown.Content.ReadFromJsonAsync<JsonElement>();
        Assert.StartsWith("status \"done\" is none of", problem.GetProperty("detail").GetString());
    }

    private static async Task<List<string>> IdsAsync(HttpClient api, string path) =>
        (await api.GetFromJsonAsync<List<FineTuneJob>>(path, FineTuneJson.Options))!.Select(job => job.Id).ToList();

    [Fact]
    public async Task The_estimate_resolves_auto_epochs_by_the_heuristic_and_prices_the_trained_tokens()
    {
        using var api = stack.CreateApiClient();
        var dataset = await ApiCalls.UploadSampleAsync(api, "capitals-train.jsonl");

        var auto = await EstimateAsync(api, new JobEstimateRequest(dataset.Id, "gpt-4.1-mini"));
        Assert.Equal(TrainingEstimate.DefaultEpochs(dataset.Report.ExampleCount), auto.Resolved.NEpochs);
        Assert.Null(auto.Chosen.NEpochs);
        Assert.Equal(dataset.Report.Tokens!.Billable * auto.Resolved.NEpochs, auto.TrainedTokens);
        Assert.True(auto.Cost > 0);

        var explicitEpochs = await EstimateAsync(api, new JobEstimateRequest(dataset.Id, "gpt-4.1-mini",
            Method: new JobMethod("supervised", new JobHyperparameters(NEpochs: 2, BatchSize: 4))));
        Assert.Equal(2, explicitEpochs.Resolved.NEpochs);
        Assert.Equal(6, explicitEpochs.StepsPerEpoch);
        Assert.Equal(12, explicitEpochs.TotalSteps);
        Assert.Equal(dataset.Report.Tokens.Billable * 2, explicitEpochs.TrainedTokens);

        var unknown = await api.PostAsJsonAsync("/api/jobs/estimate", new JobEstimateRequest("ds_missing", "gpt-4.1-mini"), FineTuneJson.Options);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, unknown.StatusCode);
    }

    [Fact]
    public async Task A_job_trains_the_epochs_and_reports_the_trained_tokens_its_estimate_said()
    {
        using var api = stack.CreateApiClient();
        var dataset = await ApiCalls.UploadSampleAsync(api, "capitals-train.jsonl");
        var estimate = await EstimateAsync(api, new JobEstimateRequest(dataset.Id, "gpt-4.1-mini"));
        Assert.Equal(4, estimate.Resolved.NEpochs); // 24 examples: raised from 3 so the file is seen about 100 times

        var created = await api.PostAsJsonAsync("/api/jobs", new CreateJobRequest(dataset.Id, "gpt-4.1-mini", Seed: 5), FineTuneJson.Options);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var job = (await created.Content.ReadFromJsonAsync<FineTuneJob>(FineTuneJson.Options))!;
        var finished = await ApiCalls.WaitUntilTerminalAsync(api, job.Id, JobDeadline, () => stack.Logs);

        Assert.Equal(JobStatus.Succeeded, finished.Status);
        Assert.Equal(estimate.Resolved.NEpochs, finished.ResolvedHyperparameters?.NEpochs);
        Assert.Equal(estimate.Resolved.BatchSize, finished.ResolvedHyperparameters?.BatchSize);
        Assert.Equal(estimate.TrainedTokens, finished.TrainedTokens);
    }

    [Fact]
    public async Task A_suffix_over_64_characters_or_too_many_metadata_pairs_are_refused()
    {
        using var api = stack.CreateApiClient();
        var dataset = await ApiCalls.UploadSampleAsync(api, "capitals-train.jsonl");

        var response = await api.PostAsJsonAsync("/api/jobs", new CreateJobRequest(dataset.Id, "gpt-4.1-mini",
            Suffix: new string('s', 65),
            Metadata: Enumerable.Range(0, 17).ToDictionary(i => $"k{i}", i => "v")), FineTuneJson.Options);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        var errors = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors");
        Assert.Contains("64", errors.GetProperty("suffix")[0].GetString());
        Assert.Contains("16", errors.GetProperty("metadata")[0].GetString());
    }

    [Fact]
    public async Task A_job_whose_dataset_does_not_fit_its_method_is_refused_naming_the_lines_and_the_provider_sees_nothing()
    {
        using var api = stack.CreateApiClient();
        using var provider = new HttpClient { BaseAddress = stack.LocalProvider.BaseAddress };
        provider.DefaultRequestHeaders.Authorization = new("Bearer", "test");
        var name = $"ids-{Guid.NewGuid():N}.jsonl";
        // Assumed reinforcement, so valid as stored; a supervised job checks it again.
        var misfit = await ApiCalls.UploadAsync(api, name, ApiCalls.AnswersMissingBesideIds);
        Assert.Equal((DatasetRecord.StatusValid, TrainingMethods.Reinforcement), (misfit.Status, misfit.Report.Method));
        var fits = await ApiCalls.UploadSampleAsync(api, "capitals-train.jsonl");
        var providerJobs = (await stack.CreateProvider().ListJobsAsync(null, 100, CancellationToken.None)).Data.Count;
        var providerFiles = await ProviderFileNamesAsync(provider);

        var asTraining = await api.PostAsJsonAsync("/api/jobs", new CreateJobRequest(misfit.Id, "gpt-4.1-mini",
            Method: new JobMethod(TrainingMethods.Supervised, null)), FineTuneJson.Options);
        var asValidation = await api.PostAsJsonAsync("/api/jobs", new CreateJobRequest(fits.Id, "gpt-4.1-mini", ValidationDatasetId: misfit.Id,
            Method: new JobMethod(TrainingMethods.Supervised, null)), FineTuneJson.Options);

        Assert.Equal(HttpStatusCode.BadRequest, asTraining.StatusCode);
        var problem = await asTraining.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("The dataset does not fit supervised fine-tuning", problem.GetProperty("title").GetString());
        Assert.Equal(
            Enumerable.Range(4, 9).Select(line => $"{name} line {line} at $.messages: The example has no assistant message to learn from. (example_missing_assistant_message)"),
            problem.GetProperty("errors").GetProperty("trainingDatasetId").EnumerateArray().Select(reason => reason.GetString()));
        Assert.Contains($"{name} line 4 at $.messages", problem.GetProperty("detail").GetString());
        Assert.Equal(HttpStatusCode.BadRequest, asValidation.StatusCode);
        var validationProblem = await asValidation.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(["validationDatasetId"], validationProblem.GetProperty("errors").EnumerateObject().Select(field => field.Name));

        Assert.Equal(providerJobs, (await stack.CreateProvider().ListJobsAsync(null, 100, CancellationToken.None)).Data.Count);
        Assert.Equal(providerFiles, await ProviderFileNamesAsync(provider));
    }

    private static async Task<List<string?>> ProviderFileNamesAsync(HttpClient provider) =>
        (await provider.GetFromJsonAsync<JsonElement>("/v1/files")).GetProperty("data").EnumerateArray()
            .Select(file => file.GetProperty("filename").GetString()).ToList();

    [Fact]
    public async Task A_finished_job_has_checkpoints_results_resolved_hyperparameters_and_a_model_that_streams_answers()
    {
        using var api = stack.CreateApiClient();
        var dataset = await ApiCalls.UploadSampleAsync(api, "capitals-train.jsonl");
        var created = await api.PostAsJsonAsync("/api/jobs", new CreateJobRequest(dataset.Id, "gpt-4.1-mini",
            ValidationDatasetId: dataset.Id, Suffix: "apitest", Seed: 3,
            Method: new JobMethod("supervised", new JobHyperparameters(NEpochs: 2)),
            Metadata: new Dictionary<string, string> { ["team"] = "search" }), FineTuneJson.Options);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var job = (await created.Content.ReadFromJsonAsync<FineTuneJob>(FineTuneJson.Options))!;
        Assert.Equal("search", job.Metadata!["team"]);

        var finished = await ApiCalls.WaitUntilTerminalAsync(api, job.Id, JobDeadline, () => stack.Logs);
        Assert.Equal(JobStatus.Succeeded, finished.Status);

        var checkpoints = (await api.GetFromJsonAsync<JobCheckpointList>($"/api/jobs/{job.Id}/checkpoints", FineTuneJson.Options))!;
        Assert.Equal(2, checkpoints.Data.Count);
        Assert.All(checkpoints.Data, c => Assert.Contains(":ckpt-step-", c.FineTunedModelCheckpoint));
        Assert.All(checkpoints.Data, c => Assert.NotNull(c.Metrics.FullValidLoss));
        Assert.True(checkpoints.Data[0].StepNumber > checkpoints.Data[1].StepNumber, "Checkpoints come newest first.");

        var results = (await api.GetFromJsonAsync<JobResults>($"/api/jobs/{job.Id}/results", FineTuneJson.Options))!;
        Assert.Equal("step", results.Columns[0]);
        Assert.Contains("train_loss", results.Columns);
        Assert.Equal(dataset.Report.ExampleCount * 2, results.Rows.Count);
        Assert.Equal(1, results.Rows[0][0]);

        var csv = await api.GetAsync($"/api/jobs/{job.Id}/results.csv");
        Assert.Equal("text/csv", csv.Content.Headers.ContentType!.MediaType);
        Assert.StartsWith("step,train_loss", await csv.Content.ReadAsStringAsync());

        var stored = (await api.GetFromJsonAsync<FineTuneJob>($"/api/jobs/{job.Id}", FineTuneJson.Options))!;
        Assert.Equal(2, stored.ResolvedHyperparameters!.NEpochs);
        Assert.Equal(1, stored.ResolvedHyperparameters.BatchSize);
        Assert.Equal("search", stored.Metadata!["team"]);

        var (text, last) = await ChatAsync(api, new PlaygroundChatRequest(stored.FineTunedModel!,
            [new ChatTurn("user", "What is the capital of France?")], Temperature: 0, MaxTokens: 32));
        Assert.True(last.Done);
        Assert.Null(last.Error);
        Assert.False(string.IsNullOrWhiteSpace(text));
        Assert.DoesNotContain("[local base model", text);

        var prompts = (await api.GetFromJsonAsync<List<PlaygroundPrompt>>($"/api/playground/prompts?datasetId={dataset.Id}&limit=5", FineTuneJson.Options))!;
        Assert.Equal(5, prompts.Count);
        Assert.All(prompts, p => Assert.Equal("user", p.Messages[^1].Role));
        Assert.All(prompts, p => Assert.False(string.IsNullOrWhiteSpace(p.Expected)));
    }

    [Fact]
    public async Task The_playground_streams_chunks_and_reports_a_provider_refusal_as_the_last_chunk()
    {
        using var api = stack.CreateApiClient();

        var (text, last) = await ChatAsync(api, new PlaygroundChatRequest("gpt-4.1-mini", [new ChatTurn("user", "Hello")], MaxTokens: 8));
        Assert.True(last.Done);
        Assert.False(string.IsNullOrEmpty(text));

        var (_, refused) = await ChatAsync(api, new PlaygroundChatRequest("no-such-model", [new ChatTurn("user", "Hello")]));
        Assert.True(refused.Done);
        Assert.NotNull(refused.Error);

        var invalid = await api.PostAsJsonAsync("/api/playground/chat", new PlaygroundChatRequest("gpt-4.1-mini", []), FineTuneJson.Options);
        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
    }

    private static async Task<(string Text, PlaygroundChunk Last)> ChatAsync(HttpClient api, PlaygroundChatRequest request)
    {
        using var message = new HttpRequestMessage(HttpMethod.Post, "/api/playground/chat") { Content = JsonContent.Create(request, options: FineTuneJson.Options) };
        using var response = await api.SendAsync(message, HttpCompletionOption.ResponseHeadersRead);
        response.EnsureSuccessStatusCode();
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType!.MediaType);
        var chunks = new List<PlaygroundChunk>();
        await foreach (var item in System.Net.ServerSentEvents.SseParser.Create(await response.Content.ReadAsStreamAsync()).EnumerateAsync())
        {
            chunks.Add(FineTuneJson.Deserialize<PlaygroundChunk>(item.Data));
        }
        Assert.NotEmpty(chunks);
        return (string.Concat(chunks.Select(c => c.Delta)), chunks[^1]);
    }

    private static async Task<JobEstimate> EstimateAsync(HttpClient api, JobEstimateRequest request)
    {
        var response = await api.PostAsJsonAsync("/api/jobs/estimate", request, FineTuneJson.Options);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JobEstimate>(FineTuneJson.Options))!;
    }
}
