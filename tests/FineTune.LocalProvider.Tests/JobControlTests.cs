using System.Text.Json;

namespace FineTune.LocalProvider.Tests;

public sealed class JobControlTests(SlowLocalProviderServer server) : IClassFixture<SlowLocalProviderServer>
{
    [Fact]
    public async Task A_cancelled_job_stops_training_and_publishes_no_model()
    {
        var jobId = await StartJobAsync(seed: 11);
        await WaitForStepAsync(jobId, 2);

        var (status, job) = await server.PostAsync($"v1/fine_tuning/jobs/{jobId}/cancel");
        Assert.Equal(200, status);
        Assert.Equal("cancelled", job.GetProperty("status").GetString());
        var stepAtCancel = await LatestStepAsync(jobId);

        // Nothing to await for "nothing happens": give the runner several step delays to misbehave.
        await Task.Delay(400);
        job = await server.GetJobAsync(jobId);
        Assert.Equal("cancelled", job.GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Null, job.GetProperty("fine_tuned_model").ValueKind);
        Assert.InRange(await LatestStepAsync(jobId), stepAtCancel, stepAtCancel + 1);

        (status, var error) = await server.PostAsync($"v1/fine_tuning/jobs/{jobId}/cancel");
        Assert.Equal(400, status);
        Assert.True(error.TryGetProperty("error", out _));
        (status, _) = await server.PostAsync($"v1/fine_tuning/jobs/{jobId}/pause");
        Assert.Equal(400, status);
    }

    [Fact]
    public async Task A_paused_job_holds_still_and_resumes_from_the_step_it_reached()
    {
        var jobId = await StartJobAsync(seed: 5);
        await WaitForStepAsync(jobId, 3);

        var (status, job) = await server.PostAsync($"v1/fine_tuning/jobs/{jobId}/pause");
        Assert.Equal(200, status);
        Assert.Equal("paused", job.GetProperty("status").GetString());
        var stepAtPause = await LatestStepAsync(jobId);
        await Task.Delay(400);
        Assert.Equal("paused", (await server.GetJobAsync(jobId)).GetProperty("status").GetString());
        var stepWhilePaused = await LatestStepAsync(jobId);
        Assert.InRange(stepWhilePaused, stepAtPause, stepAtPause + 1);
        Assert.True(stepWhilePaused < 60);

        (status, job) = await server.PostAsync($"v1/fine_tuning/jobs/{jobId}/resume");
        Assert.Equal(200, status);
        Assert.Contains(job.GetProperty("status").GetString(), (string[])["queued", "running"]);
        await server.WaitForStatusAsync(jobId, "succeeded");

        var resumedLosses = await LossesAsync(jobId);
        Assert.Equal(Enumerable.Range(1, 60), resumedLosses.Select(pair => pair.Step));

        var uninterrupted = await StartJobAsync(seed: 5);
        await server.WaitForStatusAsync(uninterrupted, "succeeded");
        Assert.Equal((await LossesAsync(uninterrupted)).Select(pair => pair.Loss), resumedLosses.Select(pair => pair.Loss));
    }

    private async Task<string> StartJobAsync(int seed)
    {
        var fileId = await server.UploadAsync(SampleData.GeographyJsonl());
        var job = await server.CreateJobAsync(new { model = "gpt-4o-mini", training_file = fileId, seed, method = SampleData.ThreeEpochs });
        return job.GetProperty("id").GetString()!;
    }

    private async Task WaitForStepAsync(string jobId, int step)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (await LatestStepAsync(jobId) < step)
        {
            Assert.True(DateTime.UtcNow < deadline, $"Job {jobId} never reached step {step}.");
            await Task.Delay(10);
        }
    }

    private async Task<int> LatestStepAsync(string jobId)
    {
        var page = await server.GetJsonAsync($"v1/fine_tuning/jobs/{jobId}/events?limit=100");
        return page.GetProperty("data").EnumerateArray()
            .Where(e => e.GetProperty("type").GetString() == "metrics")
            .Select(e => e.GetProperty("data").GetProperty("step").GetInt32())
            .DefaultIfEmpty(0).Max();
    }

    private async Task<List<(int Step, double Loss)>> LossesAsync(string jobId) =>
        (await server.GetAllEventsAsync(jobId))
            .Where(e => e.GetProperty("type").GetString() == "metrics").Reverse()
            .Select(e => (e.GetProperty("data").GetProperty("step").GetInt32(), e.GetProperty("data").GetProperty("train_loss").GetDouble()))
            .ToList();
}
