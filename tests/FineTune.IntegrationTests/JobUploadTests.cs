using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using FineTune.IntegrationTests.Infrastructure;

namespace FineTune.IntegrationTests;

// A job's datasets go to the provider from the Worker, not inside the Api's request: the create answers at once
// with the job uploading, a dataset goes to a connection once, and what the provider refuses fails the job.
public sealed class JobUploadTests(FineTuneStack<GarnetRedisServer> stack) : IClassFixture<FineTuneStack<GarnetRedisServer>>, IAsyncLifetime
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(120);

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        using var provider = ProviderAdmin();
        (await provider.DeleteAsync("/admin/faults")).EnsureSuccessStatusCode();
    }

    [Fact]
    public async Task The_create_answers_while_the_provider_still_holds_the_upload_and_a_cancel_then_stops_it_before_the_provider()
    {
        using var api = stack.CreateApiClient();
        // A workspace of its own: the other tests' jobs, still training, add to the default workspace's usage meanwhile.
        var workspace = await ApiCalls.UseNewWorkspaceAsync(api, "Held upload");
        var dataset = await UploadUniqueDatasetAsync(api, "held-upload.jsonl");
        var usageBefore = await UsageAsync(api, workspace.Id);
        // The provider sits on the file for five seconds before it answers.
        await SetFaultAsync(new { path = "/v1/files", method = "POST", kind = "delay", delay = "00:00:05", times = 1 });

        var created = await CreateJobAsync(api, dataset.Id, "held");
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var job = (await created.Content.ReadFromJsonAsync<FineTuneJob>(FineTuneJson.Options))!;
        Assert.Equal(JobStatus.Uploading, job.Status);
        var sending = Assert.Single(job.Upload!.Datasets);
        Assert.Equal((dataset.Sha256, dataset.Bytes, 0L, null), (sending.Sha256, sending.Bytes, sending.BytesSent, sending.FileId));
        Assert.True((await UsageAsync(api, workspace.Id)).TrainedTokens > usageBefore.TrainedTokens, "the launch counts against the month");

        // The Worker's upload has reached the provider, which holds it: the job is cancelled meanwhile.
        await UntilAsync(async () => (await FaultsAsync())[0].GetProperty("matched").GetInt32() == 1, "the upload to reach the provider");
        var cancel = await api.PostAsync($"/api/jobs/{job.Id}/cancel", null);
        Assert.Equal(HttpStatusCode.OK, cancel.StatusCode);
        Assert.Equal(JobStatus.Cancelled, (await cancel.Content.ReadFromJsonAsync<FineTuneJob>(FineTuneJson.Options))!.Status);
        Assert.Equal(usageBefore.TrainedTokens, (await UsageAsync(api, workspace.Id)).TrainedTokens);

        // Once the provider answers, the Worker sees the cancel and creates nothing there.
        await UntilAsync(() => Task.FromResult(stack.Worker.Output.Contains($"Job {job.Id}: stopped uploading")), "the Worker to stop the upload");
        var stored = (await api.GetFromJsonAsync<FineTuneJob>($"/api/jobs/{job.Id}", FineTuneJson.Options))!;
        Assert.Equal((JobStatus.Cancelled, null), (stored.Status, stored.ProviderJobId));
        var providerJobs = await stack.CreateProvider().ListJobsAsync(null, 100, CancellationToken.None);
        Assert.DoesNotContain(providerJobs.Data, j => j.Suffix == "held");
    }

    [Fact]
    public async Task A_dataset_goes_to_a_connection_once_and_again_when_the_provider_no_longer_has_it()
    {
        using var api = stack.CreateApiClient();
        var dataset = await UploadUniqueDatasetAsync(api, "sent-once.jsonl");

        var first = await LaunchAsync(api, dataset.Id, "once1");
        var second = await LaunchAsync(api, dataset.Id, "once2");

        var firstFile = Assert.Single(first.Upload!.Datasets);
        var secondFile = Assert.Single(second.Upload!.Datasets);
        Assert.False(firstFile.Reused);
        Assert.True(secondFile.Reused);
        Assert.Equal(firstFile.FileId, secondFile.FileId);
        Assert.Equal(first.TrainingFileId, second.TrainingFileId);
        Assert.Single(await ProviderFilesNamedAsync("sent-once.jsonl"));

        // Deleted on the provider: the next job sends it again instead of naming a file that is gone.
        using var provider = ProviderAdmin();
        (await provider.DeleteAsync($"/v1/files/{firstFile.FileId}")).EnsureSuccessStatusCode();
        var third = await LaunchAsync(api, dataset.Id, "once3");
        var thirdFile = Assert.Single(third.Upload!.Datasets);
        Assert.False(thirdFile.Reused);
        Assert.NotEqual(firstFile.FileId, thirdFile.FileId);
        Assert.Equal(JobStatus.Succeeded, (await ApiCalls.WaitUntilTerminalAsync(api, third.Id, Deadline, () => stack.Logs)).Status);
    }

    [Fact]
    public async Task A_job_the_provider_refuses_fails_with_the_providers_reason_and_gives_its_budget_back()
    {
        using var api = stack.CreateApiClient();
        // A workspace of its own: the other tests' jobs, still training, add to the default workspace's usage meanwhile.
        var workspace = await ApiCalls.UseNewWorkspaceAsync(api, "Refused");
        var dataset = await UploadUniqueDatasetAsync(api, "refused.jsonl");
        var usageBefore = await UsageAsync(api, workspace.Id);

        var created = await api.PostAsJsonAsync("/api/jobs", new CreateJobRequest(dataset.Id, "gpt-0-nonexistent", Suffix: "refused"), FineTuneJson.Options);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var job = (await created.Content.ReadFromJsonAsync<FineTuneJob>(FineTuneJson.Options))!;

        var failed = await ApiCalls.WaitUntilTerminalAsync(api, job.Id, Deadline, () => stack.Logs);
        Assert.Equal(JobStatus.Failed, failed.Status);
        Assert.Null(failed.ProviderJobId);
        Assert.Equal(("model", "model_not_available"), (failed.Error!.Param, failed.Error.Code));
        Assert.Contains("gpt-0-nonexistent is not available for fine-tuning", failed.Error.Message);
        // The Worker gives the charge back just after it stores the failure (only a job not cancelled meanwhile has one).
        await UntilAsync(async () => (await UsageAsync(api, workspace.Id)).TrainedTokens == usageBefore.TrainedTokens, "the charge given back");
    }

    private async Task<FineTuneJob> LaunchAsync(HttpClient api, string datasetId, string suffix)
    {
        var created = await CreateJobAsync(api, datasetId, suffix);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var job = (await created.Content.ReadFromJsonAsync<FineTuneJob>(FineTuneJson.Options))!;
        var launched = await ApiCalls.WaitUntilLaunchedAsync(api, job.Id, Deadline, () => stack.Logs);
        Assert.StartsWith("ftjob-", launched.ProviderJobId);
        return launched;
    }

    private static Task<HttpResponseMessage> CreateJobAsync(HttpClient api, string datasetId, string suffix) =>
        api.PostAsJsonAsync("/api/jobs", new CreateJobRequest(datasetId, "gpt-4.1-mini", Suffix: suffix, Seed: 5,
            Method: new JobMethod("supervised", new JobHyperparameters(NEpochs: 1))), FineTuneJson.Options);

    // The sample with one example of its own, so no other test's upload of the same bytes is reused.
    private static async Task<DatasetRecord> UploadUniqueDatasetAsync(HttpClient api, string name) =>
        await ApiCalls.UploadAsync(api, name, await File.ReadAllTextAsync(Repository.Sample("capitals-train.jsonl"))
            + $$"""{"messages":[{"role":"user","content":"Which test is this?"},{"role":"assistant","content":"{{Guid.NewGuid()}}"}]}""" + "\n");

    private static async Task<BudgetUsage> UsageAsync(HttpClient api, string workspaceId) =>
        (await api.GetFromJsonAsync<WorkspaceSettings>($"/api/workspaces/{workspaceId}/settings", FineTuneJson.Options))!.Usage;

    // The provider's own routes, with a key as any client sends one.
    private HttpClient ProviderAdmin() =>
        new() { BaseAddress = stack.LocalProvider.BaseAddress, DefaultRequestHeaders = { Authorization = new("Bearer", "test") } };

    private async Task SetFaultAsync(object rule)
    {
        using var provider = ProviderAdmin();
        (await provider.PostAsJsonAsync("/admin/faults", new { seed = 1, rules = new[] { rule } })).EnsureSuccessStatusCode();
    }

    private async Task<List<JsonElement>> FaultsAsync()
    {
        using var provider = ProviderAdmin();
        return [.. (await provider.GetFromJsonAsync<JsonElement>("/admin/faults")).GetProperty("rules").EnumerateArray()];
    }

    private async Task<List<JsonElement>> ProviderFilesNamedAsync(string name)
    {
        using var provider = ProviderAdmin();
        var files = await provider.GetFromJsonAsync<JsonElement>("/v1/files?limit=10000");
        return [.. files.GetProperty("data").EnumerateArray().Where(file => file.GetProperty("filename").GetString() == name)];
    }

    private async Task UntilAsync(Func<Task<bool>> condition, string what)
    {
        var stopAt = DateTime.UtcNow + Deadline;
        while (!await condition())
        {
            if (DateTime.UtcNow > stopAt) Assert.Fail($"Timed out waiting for {what}.\n{stack.Logs}");
            await Task.Delay(100);
        }
    }
}
