using System.Net;
using System.Net.Http.Json;

namespace FineTune.IntegrationTests.Infrastructure;

// Api calls many tests make on the way to what they test.
public static class ApiCalls
{
    // One grader: the answer is the item's reference, exactly.
    public const string ExactAnswer = """
        [{ "type": "string_check", "name": "exact", "input": "{{ sample.output_text }}", "reference": "{{ item.reference }}", "operation": "eq" }]
        """;

    // A new workspace of the client's user, in which the client works from here on.
    public static async Task<WorkspaceMembership> UseNewWorkspaceAsync(HttpClient api, string name)
    {
        var workspace = (await (await api.PostAsJsonAsync("/api/workspaces", new CreateWorkspaceRequest(name))).Content
            .ReadFromJsonAsync<WorkspaceMembership>(FineTuneJson.Options))!;
        api.DefaultRequestHeaders.Add("FineTune-Workspace", workspace.Id);
        return workspace;
    }

    public static async Task<DatasetRecord> UploadSampleAsync(HttpClient api, string sample = "capitals-train.jsonl")
    {
        using var content = new StreamContent(File.OpenRead(Repository.Sample(sample)));
        var response = await api.PostAsync($"/api/datasets?name={sample}", content);
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<DatasetRecord>(FineTuneJson.Options))!;
    }

    // Three chat examples, then nine that lost their assistant answer but carry an "id" key (lines 4 to 12): they look
    // like reinforcement data, so only a check for supervised reports the missing answers.
    public static string AnswersMissingBesideIds { get; } = string.Concat(Enumerable.Range(1, 12).Select(i => (i <= 3
        ? $$"""{"id":"q{{i}}","messages":[{"role":"user","content":"Q{{i}}?"},{"role":"assistant","content":"A{{i}}."}]}"""
        : $$"""{"id":"q{{i}}","messages":[{"role":"user","content":"Q{{i}}?"}]}""") + "\n"));

    // Stores the JSONL as a dataset named `name`, checked for `method` when one is given.
    public static async Task<DatasetRecord> UploadAsync(HttpClient api, string name, string jsonl, string? method = null)
    {
        using var content = new StringContent(jsonl);
        var response = await api.PostAsync($"/api/datasets?name={name}{(method is null ? "" : $"&method={method}")}", content);
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<DatasetRecord>(FineTuneJson.Options))!;
    }

    // A 3-epoch job on the dataset (seed 5), finished: the LocalProvider's model then answers its prompts as the data does.
    public static async Task<FineTuneJob> TrainAsync(HttpClient api, DatasetRecord dataset, string suffix, TimeSpan deadline, Func<string> logs)
    {
        var created = await api.PostAsJsonAsync("/api/jobs", new CreateJobRequest(dataset.Id, "gpt-4.1-mini", Suffix: suffix, Seed: 5,
            Method: new JobMethod("supervised", new JobHyperparameters(NEpochs: 3))), FineTuneJson.Options);
        Assert.True(created.StatusCode == HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        var job = (await created.Content.ReadFromJsonAsync<FineTuneJob>(FineTuneJson.Options))!;
        var trained = await WaitUntilTerminalAsync(api, job.Id, deadline, logs);
        Assert.True(trained.Status == JobStatus.Succeeded, $"{trained.Error}\n{logs()}");
        return trained;
    }

    // The capitals sample trained straight on the provider through the SDK (suffix "outside"): FineTune's Api never hears of it.
    public static async Task<(string FileId, ProviderJob Job)> TrainOutsideAsync(FineTuningProvider provider, int epochs, int seed)
    {
        string fileId;
        await using (var file = File.OpenRead(Repository.Sample("capitals-train.jsonl")))
            fileId = await provider.UploadTrainingFileAsync(file, "capitals-train.jsonl", CancellationToken.None);
        var job = await provider.CreateJobAsync(
            new ProviderJobRequest("gpt-4.1-mini", fileId, null, new JobMethod("supervised", new JobHyperparameters(NEpochs: epochs)), "outside", seed),
            idempotencyKey: Guid.NewGuid().ToString(), CancellationToken.None);
        return (fileId, job);
    }

    // Polls the job until it is terminal; fails with the services' logs after the deadline.
    public static Task<FineTuneJob> WaitUntilTerminalAsync(HttpClient api, string jobId, TimeSpan deadline, Func<string> logs) =>
        WaitUntilAsync(api, jobId, job => JobStatus.IsTerminal(job.Status), "finished", deadline, logs);

    // Polls the job until the Worker has created it on the provider (or it ended before getting there).
    public static Task<FineTuneJob> WaitUntilLaunchedAsync(HttpClient api, string jobId, TimeSpan deadline, Func<string> logs) =>
        WaitUntilAsync(api, jobId, job => job.ProviderJobId is not null || JobStatus.IsTerminal(job.Status), "on the provider", deadline, logs);

    public static async Task<Eval> CreateEvalAsync(HttpClient api, string name, string datasetId, string graders)
    {
        var response = await api.PostAsJsonAsync("/api/evals",
            new CreateEvalRequest(name, datasetId, System.Text.Json.JsonDocument.Parse(graders).RootElement), FineTuneJson.Options);
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<Eval>(FineTuneJson.Options))!;
    }

    // Starts a run (queued), waits until it has finished and expects it completed.
    public static async Task<EvalRun> RunEvalToEndAsync(HttpClient api, string evalId, CreateEvalRunRequest request, TimeSpan deadline, Func<string> logs)
    {
        var response = await api.PostAsJsonAsync($"/api/evals/{evalId}/runs", request, FineTuneJson.Options);
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync());
        var run = (await response.Content.ReadFromJsonAsync<EvalRun>(FineTuneJson.Options))!;
        Assert.Equal(EvalRunStatus.Queued, run.Status);
        run = await WaitUntilEvalRunFinishedAsync(api, evalId, run.Id, deadline, logs);
        Assert.True(run.Status == EvalRunStatus.Completed, $"{run.Status}: {run.Error}\n{logs()}");
        return run;
    }

    // Polls an eval run until it has finished; fails with the services' logs after the deadline.
    public static async Task<EvalRun> WaitUntilEvalRunFinishedAsync(HttpClient api, string evalId, string runId, TimeSpan deadline, Func<string> logs)
    {
        var until = DateTime.UtcNow + deadline;
        while (true)
        {
            var run = (await api.GetFromJsonAsync<EvalRun>($"/api/evals/{evalId}/runs/{runId}", FineTuneJson.Options))!;
            if (EvalRunStatus.IsFinished(run.Status)) return run;
            if (DateTime.UtcNow > until) Assert.Fail($"Eval run {runId} is still {run.Status} after {deadline}.\n{logs()}");
            await Task.Delay(200);
        }
    }

    private static async Task<FineTuneJob> WaitUntilAsync(HttpClient api, string jobId, Func<FineTuneJob, bool> done, string what, TimeSpan deadline, Func<string> logs)
    {
        var until = DateTime.UtcNow + deadline;
        while (true)
        {
            var job = (await api.GetFromJsonAsync<FineTuneJob>($"/api/jobs/{jobId}", FineTuneJson.Options))!;
            if (done(job)) return job;
            if (DateTime.UtcNow > until) Assert.Fail($"Job {jobId} is not {what} after {deadline}: it is {job.Status}.\n{logs()}");
            await Task.Delay(100);
        }
    }
}
