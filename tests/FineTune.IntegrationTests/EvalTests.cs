using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using FineTune.IntegrationTests.Infrastructure;

namespace FineTune.IntegrationTests;

// Evals against the LocalProvider through the Api and the Worker: a fine-tuned model against its base on the training
// prompts, graded by exact match, and the comparison; graders that do not fit the test set are refused before a run.
public sealed class EvalTests(FineTuneStack<GarnetRedisServer> stack) : IClassFixture<FineTuneStack<GarnetRedisServer>>
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(180);

    [Fact]
    public async Task A_fine_tuned_model_passes_far_more_of_its_training_prompts_than_its_base_and_the_comparison_calls_it_real()
    {
        using var api = stack.CreateApiClient();
        var dataset = await ApiCalls.UploadSampleAsync(api);
        var trained = await TrainAsync(api, dataset, "evaluated");

        var eval = await ApiCalls.CreateEvalAsync(api, "capitals exact", dataset.Id, ApiCalls.ExactAnswer);
        var baseRun = await RunToEndAsync(api, eval.Id, "gpt-4.1-mini");
        var tunedRun = await RunToEndAsync(api, eval.Id, trained.FineTunedModel!);

        Assert.Equal(dataset.Report.ExampleCount, tunedRun.Counts.Total);
        Assert.Equal((tunedRun.Counts.Total, 0), (tunedRun.Counts.Passed + tunedRun.Counts.Failed, tunedRun.Counts.Errored));
        Assert.True(tunedRun.PassRate > 0.8, $"the fine-tuned model passed {tunedRun.PassRate:P0}");
        Assert.True(baseRun.PassRate < 0.2, $"the base model passed {baseRun.PassRate:P0}");
        Assert.Equal("exact", Assert.Single(tunedRun.Graders).Name);
        Assert.True(tunedRun.Usage.CompletionTokens > 0);
        Assert.NotNull(tunedRun.LatencyMs);

        // Answers cost the model table's prices when the run started: fine-tuned prices for the fine-tuned model.
        Assert.Equal((new TokenPrice(0.4m, 1.6m), new TokenPrice(0.8m, 3.2m)), (baseRun.Price, tunedRun.Price));
        Assert.Equal((tunedRun.Usage.PromptTokens * 0.8m + tunedRun.Usage.CompletionTokens * 3.2m) / 1_000_000m, tunedRun.Cost);

        var items = (await api.GetFromJsonAsync<EvalItemPage>($"/api/evals/{eval.Id}/runs/{tunedRun.Id}/items?limit=1000", FineTuneJson.Options))!;
        Assert.Equal(tunedRun.Counts.Total, items.Total);
        Assert.Equal(Enumerable.Range(1, items.Total), items.Items.Select(item => item.Line));
        var france = Assert.Single(items.Items, item => item.Input == "What is the capital of France?");
        Assert.Equal(("The capital of France is Paris.", true), (france.Reference, france.Passed));

        var comparison = (await api.GetFromJsonAsync<EvalComparison>($"/api/evals/{eval.Id}/compare?runs={baseRun.Id},{tunedRun.Id}", FineTuneJson.Options))!;
        Assert.True(comparison.Improved > comparison.Regressed + 15, comparison.Summary);
        Assert.True(comparison.PValue < 0.001, comparison.Summary);
        Assert.Contains($"{comparison.Improved - comparison.Regressed} more", comparison.Summary);
        Assert.Equal(tunedRun.Id, Assert.Single(comparison.Comparisons).RunId);

        // A third run: each run is compared with the baseline, and the p-values are corrected for comparing two.
        var baseAgain = await RunToEndAsync(api, eval.Id, "gpt-4.1-mini");
        var three = (await api.GetFromJsonAsync<EvalComparison>(
            $"/api/evals/{eval.Id}/compare?runs={baseRun.Id},{tunedRun.Id},{baseAgain.Id}", FineTuneJson.Options))!;
        Assert.Equal([baseRun.Id, tunedRun.Id, baseAgain.Id], three.Runs.Select(run => run.Id));
        Assert.Equal([(tunedRun.Id, "B"), (baseAgain.Id, "C")], three.Comparisons.Select(c => (c.RunId, c.Label)));
        Assert.Equal((comparison.Improved, comparison.Summary.Split(';')[0]), (three.Improved, three.Summary.Split(';')[0]));
        Assert.All(three.Comparisons, c => Assert.InRange(c.AdjustedPValue, c.PValue, 1));
        Assert.True(three.Comparisons[0].AdjustedPValue < 0.002, three.Comparisons[0].Summary);
        Assert.Contains("after Holm's correction for 2 runs, a real difference", three.Comparisons[0].Summary);
        Assert.StartsWith("C passes", three.Comparisons[1].Summary);

        var one = await api.GetAsync($"/api/evals/{eval.Id}/compare?runs={baseRun.Id}");
        Assert.Equal(HttpStatusCode.BadRequest, one.StatusCode);
        Assert.Contains("the baseline and 1 to 7 runs compared with it", await one.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task One_call_on_a_finished_job_evaluates_it_against_its_base_model_and_puts_both_pass_rates_on_the_job()
    {
        using var api = stack.CreateApiClient();
        var dataset = await ApiCalls.UploadSampleAsync(api);
        var job = await TrainAsync(api, dataset, "oneclick");

        var response = await api.PostAsJsonAsync($"/api/jobs/{job.Id}/evaluate", new EvaluateJobRequest(), FineTuneJson.Options);
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync());
        var started = (await response.Content.ReadFromJsonAsync<JobEvaluationStarted>(FineTuneJson.Options))!;
        Assert.Equal($"/evals/{started.EvalId}/compare?runs={started.BaseRunId},{started.FineTunedRunId}", started.CompareUrl);
        var eval = (await api.GetFromJsonAsync<Eval>($"/api/evals/{started.EvalId}", FineTuneJson.Options))!;
        Assert.Equal(dataset.Id, eval.DatasetId);

        // Both pass rates land on the job as the runs finish.
        var stopAt = DateTime.UtcNow + Deadline;
        var evaluated = job;
        while (evaluated.Evaluation is not { BasePassRate: not null, FineTunedPassRate: not null })
        {
            if (DateTime.UtcNow > stopAt) Assert.Fail($"The job's evaluation is {evaluated.Evaluation}.\n{stack.Logs}");
            await Task.Delay(200);
            evaluated = (await api.GetFromJsonAsync<FineTuneJob>($"/api/jobs/{job.Id}", FineTuneJson.Options))!;
        }
        Assert.Equal((started.BaseRunId, started.FineTunedRunId), (evaluated.Evaluation.BaseRunId, evaluated.Evaluation.FineTunedRunId));
        Assert.True(evaluated.Evaluation.FineTunedPassRate > 0.8 && evaluated.Evaluation.BasePassRate < 0.2, $"{evaluated.Evaluation}");
        var fineTunedRun = (await api.GetFromJsonAsync<EvalRun>($"/api/evals/{eval.Id}/runs/{started.FineTunedRunId}", FineTuneJson.Options))!;
        Assert.Equal((evaluated.FineTunedModel, job.Id), (fineTunedRun.Model, fineTunedRun.JobId));
    }

    [Fact]
    public async Task Graders_that_do_not_fit_the_test_set_are_refused_naming_the_grader_and_the_field()
    {
        using var api = stack.CreateApiClient();
        var dataset = await ApiCalls.UploadSampleAsync(api);

        var response = await api.PostAsJsonAsync("/api/evals", new CreateEvalRequest("wrong field", dataset.Id, JsonDocument.Parse("""
            [{ "type": "string_check", "name": "answer", "input": "{{ sample.output_text }}", "reference": "{{ item.answer }}", "operation": "eq" },
             { "type": "no_such_grader", "name": "mystery" }]
            """).RootElement), FineTuneJson.Options);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problems = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").GetProperty("graders")
            .EnumerateArray().Select(problem => problem.GetString()!).ToList();
        Assert.Contains(problems, problem => problem.Contains("'answer'") && problem.Contains("item.answer"));
        Assert.Contains(problems, problem => problem.Contains("'mystery'") && problem.Contains("no_such_grader"));
        Assert.DoesNotContain((await api.GetFromJsonAsync<List<Eval>>("/api/evals", FineTuneJson.Options))!, eval => eval.Name == "wrong field");
    }

    [Fact]
    public async Task A_finished_run_recorded_as_a_dataset_keeps_each_answer_after_the_prompt_it_was_asked_with_the_run_as_provenance()
    {
        using var api = stack.CreateApiClient();
        var testSet = await ApiCalls.UploadSampleAsync(api);
        var eval = await ApiCalls.CreateEvalAsync(api, "capitals recorded", testSet.Id, "[]");
        const string SystemPrompt = "You are a recorder. Answer briefly.";
        var run = await ApiCalls.RunEvalToEndAsync(api, eval.Id,
            new CreateEvalRunRequest("gpt-4.1-mini", Temperature: 0.5, MaxTokens: 64, Seed: 7, SystemPrompt: SystemPrompt), Deadline, () => stack.Logs);

        var response = await api.PostAsJsonAsync($"/api/evals/{eval.Id}/runs/{run.Id}/dataset", new RecordRunRequest("mini-recording.jsonl"), FineTuneJson.Options);
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        var recorded = (await response.Content.ReadFromJsonAsync<DatasetRecord>(FineTuneJson.Options))!;
        Assert.Equal($"/api/datasets/{recorded.Id}", response.Headers.Location?.OriginalString);
        Assert.Equal(("mini-recording.jsonl", DatasetRecord.StatusValid, eval.WorkspaceId), (recorded.Name, recorded.Status, recorded.WorkspaceId));

        // Each answered item, in line order: the prompt as the run sent it (its system prompt in place of the item's own), then the answer.
        var answered = (await api.GetFromJsonAsync<EvalItemPage>($"/api/evals/{eval.Id}/runs/{run.Id}/items?limit=1000", FineTuneJson.Options))!
            .Items.Where(item => item.Output is not null).ToList();
        Assert.NotEmpty(answered);
        var lines = (await api.GetStringAsync($"/api/datasets/{recorded.Id}/content")).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(answered.Count, lines.Length);
        Assert.Equal(answered.Count, recorded.Report.ExampleCount);
        foreach (var (item, line) in answered.Zip(lines))
        {
            var messages = JsonDocument.Parse(line).RootElement.GetProperty("messages").EnumerateArray()
                .Select(message => (message.GetProperty("role").GetString(), message.GetProperty("content").GetString())).ToList();
            Assert.Equal([("system", SystemPrompt), ("user", item.Input), ("assistant", item.Output)], messages);
        }

        // Read back, the record says where it came from; the provenance is what the run was.
        var stored = (await api.GetFromJsonAsync<DatasetRecord>($"/api/datasets/{recorded.Id}", FineTuneJson.Options))!;
        var provenance = Assert.IsType<DatasetProvenance>(stored.Provenance);
        Assert.Equal((DatasetProvenance.Recording, "gpt-4.1-mini", null, eval.Id, run.Id),
            (provenance.Kind, provenance.Model, provenance.ConnectionId, provenance.EvalId, provenance.RunId));
        Assert.Equal((0.5, 64, 7, SystemPrompt), (provenance.Temperature, provenance.MaxTokens, provenance.Seed, provenance.SystemPrompt));
        Assert.Equal((answered.Count, testSet.Report.ExampleCount - answered.Count), (provenance.Examples, provenance.SkippedItems));
        Assert.True(provenance.RecordedAt >= run.FinishedAt, $"recorded at {provenance.RecordedAt}, the run finished at {run.FinishedAt}");

        // A bundle keeps it: imported into another workspace, the dataset still says where it came from.
        var importer = await TestAccounts.RegisterAsync(stack.Api.BaseAddress, "Importer");
        using var target = importer.Client(stack.Api.BaseAddress);
        var imported = await target.PostAsync("/api/bundles", new ByteArrayContent(await api.GetByteArrayAsync($"/api/datasets/{recorded.Id}/bundle")));
        Assert.True(imported.StatusCode == HttpStatusCode.Created, await imported.Content.ReadAsStringAsync());
        var copy = Assert.Single((await imported.Content.ReadFromJsonAsync<BundleImportResult>(FineTuneJson.Options))!.Datasets);
        Assert.NotEqual(recorded.WorkspaceId, copy.WorkspaceId);
        Assert.Equal(provenance, copy.Provenance);

        var audit = (await api.GetFromJsonAsync<AuditPage>($"/api/audit?action={AuditAction.EvalRunRecorded}", FineTuneJson.Options))!;
        Assert.Contains(audit.Entries, entry => entry.TargetId == eval.Id && entry.Details!.Contains(recorded.Id, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_run_is_recorded_only_from_its_own_eval_and_under_a_name()
    {
        using var api = stack.CreateApiClient();
        var testSet = await ApiCalls.UploadSampleAsync(api);
        var eval = await ApiCalls.CreateEvalAsync(api, "capitals named", testSet.Id, "[]");
        var other = await ApiCalls.CreateEvalAsync(api, "capitals other", testSet.Id, "[]");
        var run = await RunToEndAsync(api, eval.Id, "gpt-4.1-mini");

        var elsewhere = await api.PostAsJsonAsync($"/api/evals/{other.Id}/runs/{run.Id}/dataset", new RecordRunRequest("elsewhere.jsonl"), FineTuneJson.Options);
        Assert.Equal(HttpStatusCode.NotFound, elsewhere.StatusCode);

        var unnamed = await api.PostAsJsonAsync($"/api/evals/{eval.Id}/runs/{run.Id}/dataset", new RecordRunRequest(" "), FineTuneJson.Options);
        Assert.Equal(HttpStatusCode.BadRequest, unnamed.StatusCode);
        Assert.True((await unnamed.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty("name", out _));
        Assert.DoesNotContain((await api.GetFromJsonAsync<List<DatasetRecord>>("/api/datasets", FineTuneJson.Options))!,
            dataset => dataset.Provenance?.RunId == run.Id);
    }

    private Task<FineTuneJob> TrainAsync(HttpClient api, DatasetRecord dataset, string suffix) =>
        ApiCalls.TrainAsync(api, dataset, suffix, Deadline, () => stack.Logs);

    private Task<EvalRun> RunToEndAsync(HttpClient api, string evalId, string model) =>
        ApiCalls.RunEvalToEndAsync(api, evalId, new CreateEvalRunRequest(model, Temperature: 0, Seed: 1), Deadline, () => stack.Logs);
}
