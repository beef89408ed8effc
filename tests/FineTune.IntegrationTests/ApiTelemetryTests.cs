using System.Net;
using System.Net.Http.Json;
using FineTune.Api.Accounts;
using FineTune.Api.Datasets;
using FineTune.Api.Extensions;
using FineTune.Api.Jobs;
using FineTune.Api.Workspaces;
using FineTune.IntegrationTests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;

namespace FineTune.IntegrationTests;

// What the Aspire dashboard shows of the Api: its services and routes as the Api registers and maps them, hosted in this
// process over a real Garnet (the other tests run the Api as a process, whose spans and metrics this process cannot
// see). A person uploads a dataset and creates jobs through HTTP; each outcome of a job's creation is counted by name,
// a job over the budget is a refusal, and every check of a dataset is a span and a count of its bytes and seconds.
public sealed class ApiTelemetryTests : IAsyncLifetime, IDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    private readonly string _directory = Directory.CreateTempSubdirectory("finetune-api-telemetry-").FullName;
    private readonly TelemetryRecorder _telemetry = new("FineTune.Api");
    private WebApplication _api = null!;

    private GarnetRedisServer Redis { get; } = new();

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Development" });
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Configuration["ConnectionStrings:redis"] = Redis.ConnectionString;
        builder.Configuration["FineTune:DataDirectory"] = _directory;
        // Creating a job only hands it to the Worker; nothing here calls the provider.
        builder.Configuration["FineTune:Provider:Endpoint"] = "http://127.0.0.1:9/v1";
        builder.AddApplicationServices();
        _api = builder.Build();
        _api.UseRateLimiter();
        _api.UseAuthentication();
        _api.UseAuthorization();
        _api.MapAccountsApi();
        _api.MapWorkspaceSettingsApi();
        _api.MapDatasetsApi();
        _api.MapJobsApi();
        await _api.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _api.StopAsync();
        await _api.DisposeAsync();
        await Redis.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    public void Dispose() => _telemetry.Dispose();

    [Fact]
    public async Task Dataset_checks_are_spans_with_their_bytes_and_seconds_and_job_creations_count_by_outcome_with_budget_refusals()
    {
        var owner = await TestAccounts.RegisterAsync(new Uri(_api.Urls.First()), "Owner");
        using var client = owner.Client(new Uri(_api.Urls.First()), owner.WorkspaceId);

        var sample = await ApiCalls.UploadSampleAsync(client);
        var check = await _telemetry.UntilEndedAsync(ended => ended.FirstOrDefault(s => s.OperationName == "dataset.check"), "dataset check", Deadline);
        Assert.Equal(new FileInfo(Repository.Sample("capitals-train.jsonl")).Length, sample.Bytes);
        Assert.Equal((sample.Bytes, sample.Report.ExampleCount, true),
            (check.GetTagItem("finetune.dataset.bytes"), check.GetTagItem("finetune.dataset.examples"), check.GetTagItem("finetune.dataset.valid")));
        Assert.Equal(sample.Report.Tokens!.Total, check.GetTagItem("finetune.dataset.tokens"));
        Assert.Equal((1, sample.Bytes), (_telemetry.Sum("finetune.api.datasets.checked"), _telemetry.Sum("finetune.api.datasets.checked_bytes")));
        var seconds = Assert.Single(_telemetry.Measured("finetune.api.dataset_check.duration")).Value;
        Assert.InRange(seconds, 0, check.Duration.TotalSeconds);

        Assert.Equal(HttpStatusCode.Created, await CreateJobAsync(client, sample.Id));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, await CreateJobAsync(client, "ds_that_is_not_there"));
        // Checked on upload as the data looks (reinforcement), then again for the job's method: a second check.
        var unanswered = await ApiCalls.UploadAsync(client, "unanswered", ApiCalls.AnswersMissingBesideIds);
        Assert.Equal(HttpStatusCode.BadRequest, await CreateJobAsync(client, unanswered.Id));
        Assert.Equal(3, _telemetry.Sum("finetune.api.datasets.checked"));
        Assert.Equal(sample.Bytes + 2 * unanswered.Bytes, _telemetry.Sum("finetune.api.datasets.checked_bytes"));
        Assert.Equal(0, _telemetry.Sum("finetune.api.budget.refusals"));

        var budget = await client.PutAsJsonAsync($"/api/workspaces/{owner.WorkspaceId}/settings", new { monthlyTokenBudget = 100 });
        Assert.True(budget.IsSuccessStatusCode, await budget.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Accepted, await CreateJobAsync(client, sample.Id));

        Assert.Equal(1, _telemetry.Sum("finetune.api.budget.refusals"));
        Assert.Equal(
            [JobStatus.Uploading, "refused", "does_not_fit_method", JobStatus.PendingApproval],
            _telemetry.Measured("finetune.api.jobs.created").Select(m => Assert.IsType<string>(m.Tags["outcome"])));
        Assert.All(_telemetry.Measured("finetune.api.jobs.created"), m => Assert.Equal(1, m.Value));
    }

    private static async Task<HttpStatusCode> CreateJobAsync(HttpClient client, string datasetId)
    {
        var request = new CreateJobRequest(datasetId, "gpt-4.1-mini", Method: new JobMethod("supervised", new JobHyperparameters(NEpochs: 1)));
        return (await client.PostAsJsonAsync("/api/jobs", request, FineTuneJson.Options)).StatusCode;
    }
}
