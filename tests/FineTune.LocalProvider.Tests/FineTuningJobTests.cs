using System.ClientModel;
using System.Text.Json;
using OpenAI.FineTuning;

namespace FineTune.LocalProvider.Tests;

public sealed class FineTuningJobTests(LocalProviderServer server) : IClassFixture<LocalProviderServer>
{
    [Fact]
    public async Task A_job_created_through_the_SDK_trains_and_publishes_a_model_results_and_checkpoints()
    {
        var fileId = await server.UploadAsync(SampleData.GeographyJsonl());
        var fineTuning = server.OpenAI.GetFineTuningClient();

        FineTuningJob operation = await fineTuning.FineTuneAsync("gpt-4o-mini", fileId, waitUntilCompleted: false,
            new FineTuningOptions { Suffix = "geo", Seed = 1 });
        var created = JsonDocument.Parse(operation.GetRawResponse().Content.ToString()).RootElement;
        var jobId = created.GetProperty("id").GetString()!;
        Assert.StartsWith("ftjob-", jobId);
        Assert.Equal("fine_tuning.job", created.GetProperty("object").GetString());
        Assert.Equal("validating_files", created.GetProperty("status").GetString());

        var job = await server.WaitForStatusAsync(jobId, "succeeded", "failed");
        Assert.Equal("succeeded", job.GetProperty("status").GetString());
        var model = job.GetProperty("fine_tuned_model").GetString()!;
        Assert.Matches(@"^ft:gpt-4o-mini:local:geo:[A-Za-z0-9]{8}$", model);
        Assert.True(job.GetProperty("trained_tokens").GetInt64() > 0);
        Assert.True(job.GetProperty("finished_at").GetInt64() >= job.GetProperty("created_at").GetInt64());
        var hyperparameters = job.GetProperty("method").GetProperty("supervised").GetProperty("hyperparameters");
        Assert.Equal(5, hyperparameters.GetProperty("n_epochs").GetInt32()); // "auto": 20 examples are seen about 100 times
        Assert.Equal(1, hyperparameters.GetProperty("batch_size").GetInt32());

        var resultFile = job.GetProperty("result_files")[0].GetString()!;
        BinaryData csv = await server.OpenAI.GetOpenAIFileClient().DownloadFileAsync(resultFile);
        var rows = csv.ToString().Trim().Split('\n');
        Assert.Equal("step,train_loss,train_accuracy,valid_loss,valid_mean_token_accuracy", rows[0]);
        Assert.Equal(101, rows.Length);

        var checkpoints = await server.GetJsonAsync($"v1/fine_tuning/jobs/{jobId}/checkpoints");
        var names = checkpoints.GetProperty("data").EnumerateArray().Select(c => c.GetProperty("fine_tuned_model_checkpoint").GetString()).ToList();
        Assert.Equal([$"{model}:ckpt-step-100", $"{model}:ckpt-step-80", $"{model}:ckpt-step-60"], names);

        var models = await server.GetJsonAsync("v1/models");
        var modelIds = models.GetProperty("data").EnumerateArray().Select(m => m.GetProperty("id").GetString()).ToList();
        Assert.Contains(model, modelIds);
        Assert.Contains("gpt-4.1-mini", modelIds);
    }

    [Fact]
    public async Task Events_come_newest_first_and_page_backwards_with_after()
    {
        var trainingFile = await server.UploadAsync(SampleData.GeographyJsonl());
        var jobId = (await server.CreateJobAsync(new { model = "gpt-4.1-mini", training_file = trainingFile, method = SampleData.ThreeEpochs }))
            .GetProperty("id").GetString()!;
        await server.WaitForStatusAsync(jobId, "succeeded");

        var all = await server.GetAllEventsAsync(jobId);
        var paged = await server.GetAllEventsAsync(jobId, pageSize: 7);
        Assert.Equal(all.Select(e => e.GetProperty("id").GetString()), paged.Select(e => e.GetProperty("id").GetString()));
        Assert.All(all, e => Assert.StartsWith("ftevent-", e.GetProperty("id").GetString()));

        var messages = all.Select(e => e.GetProperty("message").GetString()).ToList();
        Assert.Equal("The job has successfully completed", messages[0]);
        Assert.Equal($"Created fine-tuning job: {jobId}", messages[^1]);
        Assert.Contains("Files validated, moving job to queued state", messages);
        Assert.Contains("Fine-tuning job started", messages);
        Assert.Contains("New fine-tuned model created", messages);

        var steps = all.Where(e => e.GetProperty("type").GetString() == "metrics")
            .Select(e => e.GetProperty("data").GetProperty("step").GetInt32()).ToList();
        Assert.Equal(Enumerable.Range(1, 60).Reverse(), steps);
        var metrics = all.First(e => e.GetProperty("type").GetString() == "metrics");
        Assert.Equal(60, metrics.GetProperty("data").GetProperty("total_steps").GetInt32());
        Assert.StartsWith("Step 60/60: training loss=", metrics.GetProperty("message").GetString());
    }

    [Fact]
    public async Task Losses_are_computed_decrease_and_repeat_exactly_for_the_same_seed()
    {
        var fileId = await server.UploadAsync(SampleData.GeographyJsonl());
        var first = await TrainLossesAsync(fileId, seed: 42);
        var second = await TrainLossesAsync(fileId, seed: 42);
        var other = await TrainLossesAsync(fileId, seed: 7);

        Assert.Equal(first, second);
        Assert.NotEqual(first, other);
        Assert.True(first.Take(20).Average() > 2 * first.TakeLast(20).Average(),
            $"First epoch {first.Take(20).Average()}, last epoch {first.TakeLast(20).Average()}");
    }

    [Fact]
    public async Task An_invalid_training_file_fails_the_job_with_an_OpenAI_error()
    {
        var fileId = await server.UploadAsync(SampleData.Jsonl(SampleData.Geography.Take(3)) + "{not json\n");
        var jobId = (await server.CreateJobAsync(new { model = "gpt-4.1-nano", training_file = fileId })).GetProperty("id").GetString()!;

        var job = await server.WaitForStatusAsync(jobId, "failed", "succeeded");

        Assert.Equal("failed", job.GetProperty("status").GetString());
        var error = job.GetProperty("error");
        Assert.Equal("invalid_training_file", error.GetProperty("code").GetString());
        Assert.Equal("training_file", error.GetProperty("param").GetString());
        Assert.Contains("Line 4", error.GetProperty("message").GetString());
        Assert.Equal(JsonValueKind.Null, job.GetProperty("fine_tuned_model").ValueKind);
    }

    [Fact]
    public async Task The_same_idempotency_key_returns_the_same_job()
    {
        var body = new { model = "gpt-4o", training_file = await server.UploadAsync(SampleData.GeographyJsonl()), seed = 3 };
        var key = Guid.NewGuid().ToString();

        var first = await server.CreateJobAsync(body, key);
        var again = await server.CreateJobAsync(body, key);
        var other = await server.CreateJobAsync(body, Guid.NewGuid().ToString());

        Assert.Equal(first.GetProperty("id").GetString(), again.GetProperty("id").GetString());
        Assert.NotEqual(first.GetProperty("id").GetString(), other.GetProperty("id").GetString());
        var listed = await server.GetJsonAsync("v1/fine_tuning/jobs?limit=100");
        Assert.Single(listed.GetProperty("data").EnumerateArray(), job => job.GetProperty("id").GetString() == first.GetProperty("id").GetString());
    }

    [Fact]
    public async Task Jobs_list_newest_first_and_page_with_after()
    {
        var fileId = await server.UploadAsync(SampleData.GeographyJsonl());
        var ids = new List<string>();
        for (var i = 0; i < 3; i++)
            ids.Add((await server.CreateJobAsync(new { model = "gpt-4.1-nano", training_file = fileId })).GetProperty("id").GetString()!);

        var firstPage = await server.GetJsonAsync("v1/fine_tuning/jobs?limit=2");
        Assert.True(firstPage.GetProperty("has_more").GetBoolean());
        var firstIds = firstPage.GetProperty("data").EnumerateArray().Select(j => j.GetProperty("id").GetString()).ToList();
        Assert.Equal([ids[2], ids[1]], firstIds);

        var next = await server.GetJsonAsync($"v1/fine_tuning/jobs?limit=1&after={ids[1]}");
        Assert.Equal(ids[0], next.GetProperty("data")[0].GetProperty("id").GetString());
    }

    [Fact]
    public async Task Bad_requests_are_400_and_unknown_jobs_404()
    {
        var fileId = await server.UploadAsync(SampleData.GeographyJsonl());
        var (status, json) = await server.PostAsync("v1/fine_tuning/jobs", new { model = "gpt-2", training_file = fileId });
        Assert.Equal(400, status);
        Assert.Equal("model", json.GetProperty("error").GetProperty("param").GetString());

        (status, json) = await server.PostAsync("v1/fine_tuning/jobs", new
        {
            model = "gpt-4o-mini",
            training_file = fileId,
            method = new { type = "supervised", supervised = new { hyperparameters = new { n_epochs = 0 } } },
        });
        Assert.Equal(400, status);
        Assert.Equal("method.supervised.hyperparameters.n_epochs", json.GetProperty("error").GetProperty("param").GetString());

        (status, _) = await server.PostAsync("v1/fine_tuning/jobs", new { model = "gpt-4o-mini", training_file = "file-missing" });
        Assert.Equal(400, status);

        var missing = await Assert.ThrowsAsync<ClientResultException>(() =>
            server.OpenAI.GetFineTuningClient().GetJobAsync("ftjob-missing"));
        Assert.Equal(404, missing.Status);
    }

    private async Task<List<double>> TrainLossesAsync(string fileId, int seed)
    {
        var jobId = (await server.CreateJobAsync(new
        {
            model = "gpt-4.1-mini",
            training_file = fileId,
            seed,
            method = new { type = "supervised", supervised = new { hyperparameters = new { n_epochs = 3, batch_size = 1, learning_rate_multiplier = "auto" } } },
        })).GetProperty("id").GetString()!;
        await server.WaitForStatusAsync(jobId, "succeeded");
        var events = await server.GetAllEventsAsync(jobId);
        return events.Where(e => e.GetProperty("type").GetString() == "metrics").Reverse()
            .Select(e => e.GetProperty("data").GetProperty("train_loss").GetDouble()).ToList();
    }
}
