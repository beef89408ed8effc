using System.Text.Json;
using OpenAI.Chat;

namespace FineTune.LocalProvider.Tests;

// Each test stops a provider and starts a new one on the same data directory, as a restart would.
public sealed class PersistenceTests : IDisposable
{
    private readonly string _dataDirectory = LocalProviderServer.NewDataDirectory();

    public void Dispose() => LocalProviderServer.DeleteDataDirectory(_dataDirectory);

    [Fact]
    public async Task A_finished_job_its_events_checkpoints_and_model_survive_a_restart()
    {
        string jobId, model, key = Guid.NewGuid().ToString();
        JsonElement jobBefore, checkpointsBefore;
        List<string?> eventsBefore;
        using (var first = Start(stepDelay: TimeSpan.Zero))
        {
            var fileId = await first.UploadAsync(SampleData.GeographyJsonl());
            jobId = (await first.CreateJobAsync(new { model = "gpt-4o-mini", training_file = fileId, suffix = "kept", seed = 3, method = SampleData.ThreeEpochs }, key))
                .GetProperty("id").GetString()!;
            jobBefore = await first.WaitForStatusAsync(jobId, "succeeded");
            model = jobBefore.GetProperty("fine_tuned_model").GetString()!;
            eventsBefore = (await first.GetAllEventsAsync(jobId)).Select(e => e.GetProperty("id").GetString()).ToList();
            checkpointsBefore = await first.GetJsonAsync($"v1/fine_tuning/jobs/{jobId}/checkpoints");
        }

        using var second = Start(stepDelay: TimeSpan.Zero);
        var jobAfter = await second.GetJobAsync(jobId);
        Assert.Equal(jobBefore.ToString(), jobAfter.ToString());
        Assert.Equal(eventsBefore, (await second.GetAllEventsAsync(jobId)).Select(e => e.GetProperty("id").GetString()));
        Assert.Equal(checkpointsBefore.ToString(), (await second.GetJsonAsync($"v1/fine_tuning/jobs/{jobId}/checkpoints")).ToString());

        var models = (await second.GetJsonAsync("v1/models")).GetProperty("data").EnumerateArray().Select(m => m.GetProperty("id").GetString()).ToList();
        Assert.Contains(model, models);
        Assert.Contains($"{model}:ckpt-step-40", models);
        ChatCompletion answer = await second.OpenAI.GetChatClient(model).CompleteChatAsync([new UserChatMessage("Capital of Finland?")]);
        Assert.Equal("Helsinki.", answer.Content[0].Text);

        var again = await second.CreateJobAsync(new { model = "gpt-4o-mini", training_file = "ignored" }, key);
        Assert.Equal(jobId, again.GetProperty("id").GetString());
        var resultFile = jobAfter.GetProperty("result_files")[0].GetString();
        using var csv = await second.Http.GetAsync($"v1/files/{resultFile}/content");
        Assert.StartsWith("step,train_loss", await csv.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_job_running_when_the_provider_stops_continues_after_a_restart_with_the_same_losses()
    {
        string jobId, fileId;
        using (var first = Start(stepDelay: SlowLocalProviderServer.Step))
        {
            fileId = await first.UploadAsync(SampleData.GeographyJsonl());
            jobId = (await first.CreateJobAsync(new { model = "gpt-4.1-nano", training_file = fileId, seed = 21, method = SampleData.ThreeEpochs })).GetProperty("id").GetString()!;
            await WaitForStepAsync(first, jobId, 25);
        }

        using var second = Start(stepDelay: TimeSpan.Zero);
        var job = await second.WaitForStatusAsync(jobId, "succeeded", "failed");
        Assert.Equal("succeeded", job.GetProperty("status").GetString());
        var events = await second.GetAllEventsAsync(jobId);
        // It stopped after step 25: from the checkpoint at step 20, or at 40 if a busy machine let it run on.
        const string Restarted = "The local provider restarted while the job was running; it continues from step ";
        Assert.Contains(events, e => e.GetProperty("message").GetString() is { } message
            && (message.StartsWith(Restarted + "20", StringComparison.Ordinal) || message.StartsWith(Restarted + "40", StringComparison.Ordinal)));
        var resumed = Losses(events);
        Assert.Equal(Enumerable.Range(1, 60), resumed.Select(pair => pair.Step));

        var uninterrupted = (await second.CreateJobAsync(new { model = "gpt-4.1-nano", training_file = fileId, seed = 21, method = SampleData.ThreeEpochs }))
            .GetProperty("id").GetString()!;
        await second.WaitForStatusAsync(uninterrupted, "succeeded");
        Assert.Equal(Losses(await second.GetAllEventsAsync(uninterrupted)).Select(p => p.Loss), resumed.Select(p => p.Loss));

        var model = job.GetProperty("fine_tuned_model").GetString()!;
        var checkpoints = (await second.GetJsonAsync($"v1/fine_tuning/jobs/{jobId}/checkpoints")).GetProperty("data").EnumerateArray()
            .Select(c => c.GetProperty("fine_tuned_model_checkpoint").GetString()).ToList();
        Assert.Equal([$"{model}:ckpt-step-60", $"{model}:ckpt-step-40", $"{model}:ckpt-step-20"], checkpoints);
    }

    [Fact]
    public async Task A_paused_job_stays_paused_across_a_restart_and_resumes_where_it_stopped()
    {
        string jobId, fileId;
        int pausedAt;
        using (var first = Start(stepDelay: SlowLocalProviderServer.Step))
        {
            fileId = await first.UploadAsync(SampleData.GeographyJsonl());
            jobId = (await first.CreateJobAsync(new { model = "gpt-4o", training_file = fileId, seed = 8, method = SampleData.ThreeEpochs })).GetProperty("id").GetString()!;
            await WaitForStepAsync(first, jobId, 4);
            var (status, _) = await first.PostAsync($"v1/fine_tuning/jobs/{jobId}/pause");
            Assert.Equal(200, status);
            pausedAt = await LatestStepAsync(first, jobId);
        }

        using var second = Start(stepDelay: TimeSpan.Zero);
        Assert.Equal("paused", (await second.GetJobAsync(jobId)).GetProperty("status").GetString());
        Assert.Equal(pausedAt, await LatestStepAsync(second, jobId));
        var (resumeStatus, _) = await second.PostAsync($"v1/fine_tuning/jobs/{jobId}/resume");
        Assert.Equal(200, resumeStatus);
        await second.WaitForStatusAsync(jobId, "succeeded");
        var resumed = Losses(await second.GetAllEventsAsync(jobId));
        Assert.Equal(Enumerable.Range(1, 60), resumed.Select(pair => pair.Step));

        var uninterrupted = (await second.CreateJobAsync(new { model = "gpt-4o", training_file = fileId, seed = 8, method = SampleData.ThreeEpochs }))
            .GetProperty("id").GetString()!;
        await second.WaitForStatusAsync(uninterrupted, "succeeded");
        Assert.Equal(Losses(await second.GetAllEventsAsync(uninterrupted)).Select(p => p.Loss), resumed.Select(p => p.Loss));
    }

    private ConfiguredLocalProviderServer Start(TimeSpan stepDelay) =>
        new(_dataDirectory, new Dictionary<string, string?> { ["LocalProvider:StepDelay"] = stepDelay.ToString() });

    private static List<(int Step, double Loss)> Losses(IEnumerable<JsonElement> events) =>
        events.Where(e => e.GetProperty("type").GetString() == "metrics").Reverse()
            .Select(e => (e.GetProperty("data").GetProperty("step").GetInt32(), e.GetProperty("data").GetProperty("train_loss").GetDouble()))
            .ToList();

    private static async Task WaitForStepAsync(LocalProviderServer server, string jobId, int step)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (await LatestStepAsync(server, jobId) < step)
        {
            Assert.True(DateTime.UtcNow < deadline, $"Job {jobId} never reached step {step}.");
            await Task.Delay(10);
        }
    }

    private static async Task<int> LatestStepAsync(LocalProviderServer server, string jobId) =>
        Losses(await server.GetAllEventsAsync(jobId)).Select(pair => pair.Step).DefaultIfEmpty(0).Max();
}
