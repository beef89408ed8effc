using FineTune.Worker.Extensions;
using FineTune.Worker.Polling;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace FineTune.Worker.Tests;

public sealed class JobImportTests
{
    private static readonly DateTimeOffset Now = new(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);

    private static ProviderJob ProviderJob(string status = JobStatus.Running, ProviderJobDetails? details = null) =>
        new("ftjob-abc", status, "gpt-4.1-mini", null, null, null, null)
        {
            Details = details ?? new ProviderJobDetails(null, [], null, null),
            CreatedAt = Now.AddMinutes(-5),
            TrainingFileId = "file-train",
            ValidationFileId = "file-valid",
            Suffix = "outside",
            Seed = 42,
            MethodType = "dpo",
        };

    [Fact]
    public void An_imported_job_id_is_the_same_on_every_worker_and_differs_between_provider_jobs()
    {
        Assert.Equal(JobImporter.ImportedJobId("ftjob-abc"), JobImporter.ImportedJobId("ftjob-abc"));
        Assert.NotEqual(JobImporter.ImportedJobId("ftjob-abc"), JobImporter.ImportedJobId("ftjob-abd"));
        Assert.Matches("^job_[0-9a-f]{16}$", JobImporter.ImportedJobId("ftjob-abc"));
    }

    [Fact]
    public void An_imported_job_has_no_dataset_but_the_providers_files_and_what_it_resolved()
    {
        var details = new ProviderJobDetails(new JobHyperparameters(3, 4, 1.8), ["file-results"], Now.AddMinutes(2), null);

        var job = JobImporter.ToImportedJob(ProviderJob(details: details), Now);

        Assert.Equal(JobImporter.ImportedJobId("ftjob-abc"), job.Id);
        Assert.True(job.IsImported);
        Assert.Equal("", job.TrainingDatasetId);
        Assert.Null(job.ValidationDatasetId);
        Assert.Equal("file-train", job.TrainingFileId);
        Assert.Equal("file-valid", job.ValidationFileId);
        Assert.Equal("ftjob-abc", job.ProviderJobId);
        Assert.Equal(JobStatus.Running, job.Status);
        Assert.Equal("dpo", job.Method.Type);
        Assert.Equal(Now.AddMinutes(-5), job.CreatedAt);
        Assert.Equal(JobImporter.ImportedBy, job.CreatedBy);
        Assert.Equal(new JobHyperparameters(3, 4, 1.8), job.ResolvedHyperparameters);
        Assert.Equal(["file-results"], job.ResultFiles!);
        Assert.Equal(Now.AddMinutes(2), job.EstimatedFinish);
    }

    [Fact]
    public void A_poll_keeps_the_resolved_details_current_and_an_unchanged_response_changes_nothing()
    {
        var job = JobImporter.ToImportedJob(ProviderJob(details: new ProviderJobDetails(null, [], null, null)), Now);
        Assert.Null(job.ResolvedHyperparameters);

        var running = ProviderJob(details: new ProviderJobDetails(new JobHyperparameters(3, 4, 1.8), [], Now.AddMinutes(1), new Dictionary<string, string> { ["team"] = "a" }));
        var polled = job.WithProviderStateAndDetails(running);
        Assert.Equal(new JobHyperparameters(3, 4, 1.8), polled.ResolvedHyperparameters);
        Assert.Equal(Now.AddMinutes(1), polled.EstimatedFinish);

        // The same answer again (new list and dictionary instances): the job compares equal, so nothing is saved or published.
        var again = ProviderJob(details: new ProviderJobDetails(new JobHyperparameters(3, 4, 1.8), [], Now.AddMinutes(1), new Dictionary<string, string> { ["team"] = "a" }));
        Assert.Equal(polled, polled.WithProviderStateAndDetails(again));

        var succeeded = ProviderJob(JobStatus.Succeeded, new ProviderJobDetails(new JobHyperparameters(3, 4, 1.8), ["file-results"], null, null));
        var finished = polled.WithProviderStateAndDetails(succeeded);
        Assert.Equal(JobStatus.Succeeded, finished.Status);
        Assert.Equal(["file-results"], finished.ResultFiles!);
        Assert.Null(finished.EstimatedFinish);
        var sameFinish = ProviderJob(JobStatus.Succeeded, new ProviderJobDetails(new JobHyperparameters(3, 4, 1.8), ["file-results"], null, null));
        Assert.Equal(finished, finished.WithProviderStateAndDetails(sameFinish));
    }

    [Theory]
    [InlineData("00:00:00")]
    [InlineData("-00:00:01")]
    public void A_non_positive_import_interval_is_refused(string interval)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration["ConnectionStrings:redis"] = "127.0.0.1:1";
        builder.Configuration["FineTune:Worker:ImportInterval"] = interval;
        builder.AddWorkerServices();
        using var host = builder.Build();

        var error = Assert.Throws<OptionsValidationException>(() => host.Services.GetRequiredService<IOptions<WorkerOptions>>().Value);
        Assert.Contains("ImportInterval", error.Message);
    }

    [Fact]
    public void The_import_interval_defaults_to_a_minute()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration["ConnectionStrings:redis"] = "127.0.0.1:1";
        builder.AddWorkerServices();
        using var host = builder.Build();

        Assert.Equal(TimeSpan.FromMinutes(1), host.Services.GetRequiredService<IOptions<WorkerOptions>>().Value.ImportInterval);
    }
}
