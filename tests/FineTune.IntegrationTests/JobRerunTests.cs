using System.IO.Compression;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using FineTune.IntegrationTests.Infrastructure;

namespace FineTune.IntegrationTests;

// Re-running a job elsewhere through the real Api, Worker and LocalProvider: a second connection to the same LocalProvider
// stands for the other provider, an Azure-kind one for Azure OpenAI's limits.
public sealed class JobRerunTests(FineTuneStack<GarnetRedisServer> stack) : IClassFixture<FineTuneStack<GarnetRedisServer>>
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(180);

    [Fact]
    public async Task A_rerun_on_another_connection_trains_the_same_datasets_with_the_original_s_hyperparameters_and_seed_and_compares_with_it()
    {
        using var api = stack.CreateApiClient();
        var dataset = await ApiCalls.UploadSampleAsync(api);
        var original = await TrainAsync(api, dataset, "original");
        Assert.NotNull(original.ResolvedHyperparameters?.BatchSize);
        var second = await CreateConnectionAsync(api, ProviderConnectionKind.Local);

        var preview = await PreviewAsync(api, original.Id, new RerunJobRequest(second.Id));
        var connection = Assert.Single(preview.Differences);
        Assert.Equal(("connection", ProviderConnection.ServerName, second.Name), (connection.Field, connection.Original, connection.Rerun));
        Assert.Empty(preview.Problems);
        Assert.Empty(preview.TrainingTypes);

        var response = await api.PostAsJsonAsync($"/api/jobs/{original.Id}/rerun", new RerunJobRequest(second.Id), FineTuneJson.Options);
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        var rerun = (await response.Content.ReadFromJsonAsync<FineTuneJob>(FineTuneJson.Options))!;
        Assert.Equal((dataset.Id, (string?)null, second.Id, original.Id), (rerun.TrainingDatasetId, rerun.ValidationDatasetId, rerun.ConnectionId, rerun.RerunOf));
        Assert.Equal(new JobMethod("supervised", original.ResolvedHyperparameters), rerun.Method);
        Assert.Equal((5, "original", original.Id), (rerun.Seed, rerun.Suffix, rerun.Metadata?["rerun_of"]));
        rerun = await ApiCalls.WaitUntilTerminalAsync(api, rerun.Id, Deadline, () => stack.Logs);
        Assert.True(rerun.Status == JobStatus.Succeeded, $"{rerun.Error}\n{stack.Logs}");
        Assert.Equal(original.ResolvedHyperparameters, rerun.ResolvedHyperparameters);

        var evaluated = await api.PostAsJsonAsync($"/api/jobs/{rerun.Id}/evaluate",
            new EvaluateJobRequest(Against: EvaluateJobRequest.AgainstOriginal), FineTuneJson.Options);
        Assert.True(evaluated.StatusCode == HttpStatusCode.Accepted, await evaluated.Content.ReadAsStringAsync());
        var started = (await evaluated.Content.ReadFromJsonAsync<JobEvaluationStarted>(FineTuneJson.Options))!;
        var baseline = await ApiCalls.WaitUntilEvalRunFinishedAsync(api, started.EvalId, started.BaseRunId, Deadline, () => stack.Logs);
        var tuned = await ApiCalls.WaitUntilEvalRunFinishedAsync(api, started.EvalId, started.FineTunedRunId, Deadline, () => stack.Logs);
        Assert.Equal((EvalRunStatus.Completed, EvalRunStatus.Completed), (baseline.Status, tuned.Status));
        Assert.Equal((original.FineTunedModel, (string?)null), (baseline.Model, baseline.ConnectionId));
        Assert.Equal((rerun.FineTunedModel, second.Id), (tuned.Model, tuned.ConnectionId));

        var comparison = (await api.GetFromJsonAsync<EvalComparison>(
            $"/api/evals/{started.EvalId}/compare?runs={started.BaseRunId},{started.FineTunedRunId}", FineTuneJson.Options))!;
        Assert.Equal(new[] { started.BaseRunId, started.FineTunedRunId }, comparison.Runs.Select(run => run.Id));
        Assert.Equal(dataset.Report.ExampleCount, comparison.Improved + comparison.Regressed + comparison.Unchanged);
        Assert.Equal(EvaluateJobRequest.AgainstOriginal,
            (await api.GetFromJsonAsync<FineTuneJob>($"/api/jobs/{rerun.Id}", FineTuneJson.Options))!.Evaluation?.Against);
    }

    [Fact]
    public async Task A_job_imported_from_a_bundle_with_its_recorded_answers_is_rerun_here_and_compared_with_the_run_of_its_model_the_bundle_brought()
    {
        using var source = stack.CreateApiClient();
        var dataset = await ApiCalls.UploadSampleAsync(source);
        var original = await TrainAsync(source, dataset, "bundled");
        var eval = await ApiCalls.CreateEvalAsync(source, "bundled exact", dataset.Id, ApiCalls.ExactAnswer);
        var recorded = await ApiCalls.RunEvalToEndAsync(
            source, eval.Id, new CreateEvalRunRequest(original.FineTunedModel!, Temperature: 0, Seed: 5), Deadline, () => stack.Logs);
        var recording = await source.PostAsJsonAsync($"/api/evals/{eval.Id}/runs/{recorded.Id}/dataset",
            new RecordRunRequest($"bundled-recording-{Guid.NewGuid():N}.jsonl"), FineTuneJson.Options);
        Assert.True(recording.StatusCode == HttpStatusCode.Created, await recording.Content.ReadAsStringAsync());
        var recordedAnswers = (await recording.Content.ReadFromJsonAsync<DatasetRecord>(FineTuneJson.Options))!;

        // The job's bundle keeps its model's recorded answers beside its datasets, events and evals.
        var bundle = await source.GetByteArrayAsync($"/api/jobs/{original.Id}/bundle");
        using (var zip = new ZipArchive(new MemoryStream(bundle), ZipArchiveMode.Read))
        {
            var inspection = await BundleInspector.InspectAsync(zip, CancellationToken.None);
            Assert.True(inspection.IsSound, string.Join("; ", inspection.Problems));
            Assert.Contains(inspection.Manifest!.Datasets, kept => (kept.Id, kept.Role, kept.Sha256) == (recordedAnswers.Id, BundleDataset.Recording, recordedAnswers.Sha256));
        }

        var team = await TestAccounts.TeamAsync(stack.Api.BaseAddress);
        using var owner = team.Owner.Client(stack.Api.BaseAddress);
        using var viewer = team.Viewer.Client(stack.Api.BaseAddress, team.Owner.WorkspaceId);
        var importing = await owner.PostAsync("/api/bundles", new ByteArrayContent(bundle));
        Assert.True(importing.StatusCode == HttpStatusCode.Created, await importing.Content.ReadAsStringAsync());
        var importResult = (await importing.Content.ReadFromJsonAsync<BundleImportResult>(FineTuneJson.Options))!;
        var importedId = importResult.JobId!;
        Assert.Equal(recordedAnswers.Provenance, Assert.Single(importResult.Datasets, kept => kept.Sha256 == recordedAnswers.Sha256).Provenance);
        var imported = (await owner.GetFromJsonAsync<FineTuneJob>($"/api/jobs/{importedId}", FineTuneJson.Options))!;

        // A viewer sees what a re-run would be, and cannot start one.
        var preview = await PreviewAsync(viewer, importedId, new RerunJobRequest(ProviderConnection.ServerId));
        Assert.Equal(new JobRerunDifference("connection", "local at 127.0.0.1", ProviderConnection.ServerName), Assert.Single(preview.Differences));
        Assert.Equal(HttpStatusCode.Forbidden,
            (await viewer.PostAsJsonAsync($"/api/jobs/{importedId}/rerun", new RerunJobRequest(ProviderConnection.ServerId), FineTuneJson.Options)).StatusCode);

        var response = await owner.PostAsJsonAsync($"/api/jobs/{importedId}/rerun", new RerunJobRequest(ProviderConnection.ServerId), FineTuneJson.Options);
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        var rerun = (await response.Content.ReadFromJsonAsync<FineTuneJob>(FineTuneJson.Options))!;
        Assert.Equal((imported.TrainingDatasetId, importedId, original.ResolvedHyperparameters), (rerun.TrainingDatasetId, rerun.RerunOf, rerun.Method.Hyperparameters));
        rerun = await ApiCalls.WaitUntilTerminalAsync(owner, rerun.Id, Deadline, () => stack.Logs);
        Assert.True(rerun.Status == JobStatus.Succeeded, $"{rerun.Error}\n{stack.Logs}");

        // The original's provider is not asked: the run of its model that came in the bundle is the baseline.
        var evaluated = await owner.PostAsJsonAsync($"/api/jobs/{rerun.Id}/evaluate",
            new EvaluateJobRequest(Against: EvaluateJobRequest.AgainstOriginal), FineTuneJson.Options);
        Assert.True(evaluated.StatusCode == HttpStatusCode.Accepted, await evaluated.Content.ReadAsStringAsync());
        var started = (await evaluated.Content.ReadFromJsonAsync<JobEvaluationStarted>(FineTuneJson.Options))!;
        var baseline = (await owner.GetFromJsonAsync<EvalRun>($"/api/evals/{started.EvalId}/runs/{started.BaseRunId}", FineTuneJson.Options))!;
        Assert.Equal((original.FineTunedModel, EvalRunStatus.Completed, recorded.PassRate), (baseline.Model, baseline.Status, baseline.PassRate));
        Assert.NotEqual(recorded.Id, baseline.Id);
        var tuned = await ApiCalls.WaitUntilEvalRunFinishedAsync(owner, started.EvalId, started.FineTunedRunId, Deadline, () => stack.Logs);
        Assert.Equal((rerun.FineTunedModel, EvalRunStatus.Completed), (tuned.Model, tuned.Status));
        var comparison = (await owner.GetFromJsonAsync<EvalComparison>(
            $"/api/evals/{started.EvalId}/compare?runs={started.BaseRunId},{started.FineTunedRunId}", FineTuneJson.Options))!;
        Assert.Equal(dataset.Report.ExampleCount, comparison.Improved + comparison.Regressed + comparison.Unchanged);
    }

    [Fact]
    public async Task What_the_target_cannot_take_is_previewed_and_a_rerun_asking_for_it_is_refused_naming_the_field()
    {
        using var api = stack.CreateApiClient();
        var dataset = await ApiCalls.UploadSampleAsync(api);
        // A suffix longer than Azure OpenAI takes, fine everywhere else; whether the job trains does not matter here.
        var created = await api.PostAsJsonAsync("/api/jobs", new CreateJobRequest(dataset.Id, "gpt-4.1-mini", Suffix: "capitals-of-the-world", Seed: 7,
            Method: new JobMethod("supervised", new JobHyperparameters(NEpochs: 1))), FineTuneJson.Options);
        Assert.True(created.StatusCode == HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        var original = (await created.Content.ReadFromJsonAsync<FineTuneJob>(FineTuneJson.Options))!;
        var azure = await CreateConnectionAsync(api, ProviderConnectionKind.AzureOpenAI);
        var local = await CreateConnectionAsync(api, ProviderConnectionKind.Local);
        var jobsBefore = (await api.GetFromJsonAsync<List<FineTuneJob>>("/api/jobs", FineTuneJson.Options))!.Count;

        var tooLong = new RerunJobRequest(azure.Id, "gpt-4.1-mini-deployment");
        var preview = await PreviewAsync(api, original.Id, tooLong);
        Assert.Contains("at most 18 characters", Assert.Single(preview.Problems["suffix"]));
        Assert.Equal(AzureTrainingTypes.All, preview.TrainingTypes);
        Assert.Contains(preview.Differences, difference => difference == new JobRerunDifference("model", "gpt-4.1-mini", "gpt-4.1-mini-deployment"));
        await AssertRefusedAsync(api, original.Id, tooLong, "suffix");

        var shorter = tooLong with { Overrides = new JobRerunOverrides(Suffix: "capitals", TrainingType: AzureTrainingTypes.Developer) };
        preview = await PreviewAsync(api, original.Id, shorter);
        Assert.Empty(preview.Problems);
        Assert.Contains(preview.Differences, difference => difference == new JobRerunDifference("trainingType", null, AzureTrainingTypes.Developer));
        Assert.Equal(AzureTrainingTypes.Developer, preview.Request.TrainingType);

        await AssertRefusedAsync(api, original.Id, shorter with { Overrides = new JobRerunOverrides(Suffix: "capitals", TrainingType: "premium") }, "trainingType");
        await AssertRefusedAsync(api, original.Id, new RerunJobRequest(local.Id, Overrides: new JobRerunOverrides(TrainingType: AzureTrainingTypes.Standard)),
            "trainingType");
        await AssertRefusedAsync(api, original.Id, new RerunJobRequest("conn_nonexistent"), "connectionId");
        Assert.Equal(jobsBefore, (await api.GetFromJsonAsync<List<FineTuneJob>>("/api/jobs", FineTuneJson.Options))!.Count);
    }

    [Fact]
    public async Task A_job_found_on_the_provider_has_no_datasets_here_and_cannot_be_rerun()
    {
        using var api = stack.CreateApiClient();
        var provider = stack.CreateProvider();
        var (_, providerJob) = await ApiCalls.TrainOutsideAsync(provider, epochs: 1, seed: 5);

        var until = DateTime.UtcNow + Deadline;
        FineTuneJob? imported;
        while ((imported = (await api.GetFromJsonAsync<List<FineTuneJob>>("/api/jobs", FineTuneJson.Options))!
                   .SingleOrDefault(job => job.ProviderJobId == providerJob.Id)) is null)
        {
            Assert.True(DateTime.UtcNow < until, $"Provider job {providerJob.Id} was not imported.\n{stack.Logs}");
            await Task.Delay(200);
        }

        var response = await api.PostAsJsonAsync($"/api/jobs/{imported.Id}/rerun", new RerunJobRequest(ProviderConnection.ServerId), FineTuneJson.Options);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, body);
        Assert.Equal("The job cannot be re-run", JsonDocument.Parse(body).RootElement.GetProperty("title").GetString());
    }

    private Task<FineTuneJob> TrainAsync(HttpClient api, DatasetRecord dataset, string suffix) =>
        ApiCalls.TrainAsync(api, dataset, suffix, Deadline, () => stack.Logs);

    // Another way to the test's LocalProvider, of the given kind.
    private async Task<ProviderConnection> CreateConnectionAsync(HttpClient api, string kind)
    {
        var response = await api.PostAsJsonAsync("/api/connections",
            new ProviderConnectionRequest($"{kind} {Guid.NewGuid():N}"[..24], kind, stack.ProviderEndpoint, "sk-rerun"), FineTuneJson.Options);
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<ProviderConnection>(FineTuneJson.Options))!;
    }

    private static async Task<JobRerunPreview> PreviewAsync(HttpClient api, string jobId, RerunJobRequest request)
    {
        var response = await api.PostAsJsonAsync($"/api/jobs/{jobId}/rerun/preview", request, FineTuneJson.Options);
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<JobRerunPreview>(FineTuneJson.Options))!;
    }

    private static async Task AssertRefusedAsync(HttpClient api, string jobId, RerunJobRequest request, string field)
    {
        var response = await api.PostAsJsonAsync($"/api/jobs/{jobId}/rerun", request, FineTuneJson.Options);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, body);
        Assert.True(JsonDocument.Parse(body).RootElement.GetProperty("errors").TryGetProperty(field, out _), body);
    }
}
