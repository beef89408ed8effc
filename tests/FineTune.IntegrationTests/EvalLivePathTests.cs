using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using FineTune.IntegrationTests.Infrastructure;
using StackExchange.Redis;

namespace FineTune.IntegrationTests;

// An eval run survives what breaks under it, as a job does: provider faults, and the Worker killed mid-run. Each test
// runs its own stack of real processes.
public sealed class EvalLivePathTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(180);

    private const string Graders = """
        [{ "type": "string_check", "name": "mentions-capital", "input": "{{ sample.output_text }}", "reference": "capital", "operation": "ilike" }]
        """;

    [Fact]
    public async Task With_30_percent_of_model_calls_failing_with_429_or_500_the_run_completes_with_every_item_graded_once()
    {
        await using var stack = await LivePathStack.StartAsync(TimeSpan.FromMilliseconds(20), new()
        {
            ["LocalProvider__Faults__Seed"] = "3",
            ["LocalProvider__Faults__Rules__0__Path"] = "/v1/chat/completions",
            ["LocalProvider__Faults__Rules__0__Kind"] = "rate_limit",
            ["LocalProvider__Faults__Rules__0__Rate"] = "0.15",
            ["LocalProvider__Faults__Rules__0__RetryAfter"] = "00:00:00.100",
            ["LocalProvider__Faults__Rules__1__Path"] = "/v1/chat/completions",
            ["LocalProvider__Faults__Rules__1__Kind"] = "server_error",
            ["LocalProvider__Faults__Rules__1__Rate"] = "0.15",
        });
        using var api = stack.CreateApiClient();
        var eval = await CreateEvalAsync(api);

        var run = await StartRunAsync(api, eval.Id);
        var finished = await ApiCalls.WaitUntilEvalRunFinishedAsync(api, eval.Id, run.Id, Deadline, () => stack.Logs);

        Assert.Equal(EvalRunStatus.Completed, finished.Status);
        Assert.Equal(0, finished.Counts.Errored);
        var items = await ItemsAsync(api, eval.Id, run.Id);
        Assert.Equal(Enumerable.Range(1, finished.Counts.Total), items.Select(item => item.Line));
        using var provider = new HttpClient { BaseAddress = stack.LocalProvider.BaseAddress };
        var rules = (await provider.GetFromJsonAsync<JsonElement>("/admin/faults")).GetProperty("rules").EnumerateArray().ToList();
        Assert.True(rules.Sum(rule => rule.GetProperty("fired").GetInt32()) > 0, "no fault fired: the test proves nothing");
    }

    [Fact]
    public async Task Killing_the_worker_mid_run_another_finishes_it_and_no_item_is_graded_twice()
    {
        await using var stack = await LivePathStack.StartAsync(TimeSpan.FromMilliseconds(20), new()
        {
            ["LocalProvider__Faults__Rules__0__Path"] = "/v1/chat/completions",
            ["LocalProvider__Faults__Rules__0__Kind"] = "delay",
            ["LocalProvider__Faults__Rules__0__Delay"] = "00:00:00.300",
        }, workerSettings: new() { ["FineTune__Worker__EvalConcurrency"] = "2" });
        using var api = stack.CreateApiClient();
        var eval = await CreateEvalAsync(api);
        var run = await StartRunAsync(api, eval.Id);

        await using var redis = await ConnectionMultiplexer.ConnectAsync(stack.Redis.ConnectionString);
        var store = new EvalStore(redis);
        var stopAt = DateTime.UtcNow + Deadline;
        while ((await store.ItemsAsync(run.Id)).Count < 4)
        {
            if (DateTime.UtcNow > stopAt) Assert.Fail($"No items were graded.\n{stack.Logs}");
            await Task.Delay(50);
        }
        await stack.Worker.KillAsync();
        var beforeKill = await store.ItemsAsync(run.Id);
        await stack.StartAnotherWorkerAsync();
        var finished = await ApiCalls.WaitUntilEvalRunFinishedAsync(api, eval.Id, run.Id, Deadline, () => stack.Logs);

        Assert.Equal(EvalRunStatus.Completed, finished.Status);
        Assert.True(beforeKill.Count < finished.Counts.Total, "the run had finished before the kill: the test proves nothing");
        var items = await ItemsAsync(api, eval.Id, run.Id);
        Assert.Equal(Enumerable.Range(1, finished.Counts.Total), items.Select(item => item.Line));
        // What was graded before the kill was kept as it was, not graded again.
        var after = items.ToDictionary(item => item.Line);
        Assert.All(beforeKill, item => Assert.Equal(FineTuneJson.Serialize(item), FineTuneJson.Serialize(after[item.Line])));
        Assert.Equal(finished.Counts.Total, finished.Counts.Passed + finished.Counts.Failed);
    }

    private static async Task<Eval> CreateEvalAsync(HttpClient api)
    {
        var dataset = await ApiCalls.UploadSampleAsync(api);
        var response = await api.PostAsJsonAsync("/api/evals", new CreateEvalRequest("capitals", dataset.Id, JsonDocument.Parse(Graders).RootElement), FineTuneJson.Options);
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<Eval>(FineTuneJson.Options))!;
    }

    private static async Task<EvalRun> StartRunAsync(HttpClient api, string evalId)
    {
        var response = await api.PostAsJsonAsync($"/api/evals/{evalId}/runs", new CreateEvalRunRequest("gpt-4.1-mini"), FineTuneJson.Options);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<EvalRun>(FineTuneJson.Options))!;
    }

    private static async Task<IReadOnlyList<EvalItemResult>> ItemsAsync(HttpClient api, string evalId, string runId) =>
        (await api.GetFromJsonAsync<EvalItemPage>($"/api/evals/{evalId}/runs/{runId}/items?limit=1000", FineTuneJson.Options))!.Items;
}
