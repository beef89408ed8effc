using System.ClientModel;
using System.Security.Claims;
using FineTune.Api.Accounts;
using FineTune.Api.Workspaces;
using FineTune.Core.Workspaces;
using FineTune.Api.Datasets;
using FineTune.Api.Models;
using FineTune.Core.Datasets;
using FineTune.Core.Jobs;
using FineTune.Core.Providers;
using FineTune.Core.Redis;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace FineTune.Api.Jobs;

public static class JobsApi
{
    public static IEndpointRouteBuilder MapJobsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/jobs").WithTags("Jobs").RequireAuthorization();

        api.MapPost("/", CreateJob).WithName("CreateJob").WithSummary("Upload the datasets to the provider and start a fine-tuning job")
            .RequireWorkspaceRole(WorkspaceRole.Member);
        api.MapGet("/", ListJobs).WithName("ListJobs").WithSummary("The workspace's jobs, newest first")
            .RequireWorkspaceRole(WorkspaceRole.Viewer);
        api.MapPost("/estimate", EstimateJob).WithName("EstimateJob").WithSummary("Resolve 'auto' hyperparameters and estimate trained tokens and cost, without starting anything")
            .RequireWorkspaceRole(WorkspaceRole.Viewer);
        api.MapGet("/{id}", GetJob).WithName("GetJob").WithSummary("A job's latest snapshot")
            .RequireJobRole(WorkspaceRole.Viewer);
        api.MapGet("/{id}/events", GetJobEvents).WithName("GetJobEvents").WithSummary("A job's events in order, after the provider event id 'after'")
            .RequireJobRole(WorkspaceRole.Viewer);
        api.MapPost("/{id}/cancel", CancelJob).WithName("CancelJob").WithSummary("Cancel the job on the provider")
            .RequireJobRole(WorkspaceRole.Member);
        api.MapPost("/{id}/pause", PauseJob).WithName("PauseJob").WithSummary("Pause the job on the provider")
            .RequireJobRole(WorkspaceRole.Member);
        api.MapPost("/{id}/resume", ResumeJob).WithName("ResumeJob").WithSummary("Resume a paused job on the provider")
            .RequireJobRole(WorkspaceRole.Member);
        api.MapGet("/{id}/checkpoints", GetJobCheckpoints).WithName("GetJobCheckpoints").WithSummary("The job's checkpoints on the provider, newest first")
            .RequireJobRole(WorkspaceRole.Viewer);
        api.MapGet("/{id}/results", GetJobResults).WithName("GetJobResults").WithSummary("The job's results file, parsed into rows")
            .RequireJobRole(WorkspaceRole.Viewer);
        api.MapGet("/{id}/results.csv", DownloadJobResults).WithName("DownloadJobResults").WithSummary("The job's results file as the provider wrote it")
            .RequireJobRole(WorkspaceRole.Viewer);
        return app;
    }

    // A job route's workspace is the job's own.
    private static RouteHandlerBuilder RequireJobRole(this RouteHandlerBuilder builder, WorkspaceRole role) =>
        builder.RequireRoleOn<JobStore>(role, "id", (jobs, id) => jobs.WorkspaceOfAsync(id));

    public static async Task<Results<Created<FineTuneJob>, UnprocessableEntity<ProblemDetails>, ProblemHttpResult>> CreateJob(
        CreateJobRequest request,
        [FromHeader(Name = "Idempotency-Key")] string? idempotencyKey,
        ClaimsPrincipal user,
        WorkspaceScope workspace,
        [AsParameters] JobServices services,
        CancellationToken cancellationToken)
    {
        var training = await services.Datasets.GetInWorkspaceAsync(request.TrainingDatasetId, workspace.Id);
        var validation = request.ValidationDatasetId is null ? null : await services.Datasets.GetInWorkspaceAsync(request.ValidationDatasetId, workspace.Id);
        var reasons = RefusalReasons(request, training, validation);
        if (reasons.Count > 0)
        {
            return TypedResults.UnprocessableEntity(new ProblemDetails
            {
                Title = "The job cannot start",
                Detail = string.Join(" ", reasons.Values.SelectMany(messages => messages)),
                Status = StatusCodes.Status422UnprocessableEntity,
                Extensions = { ["errors"] = reasons },
            });
        }

        // A retried or double-submitted request carries the same key and gets the same job back.
        var jobId = "job_" + Guid.NewGuid().ToString("N")[..16];
        if (idempotencyKey is not null)
        {
            var key = RedisKeys.JobIdempotencyKey(user.UserId(), idempotencyKey);
            var db = services.Redis.GetDatabase();
            if (!await db.StringSetAsync(key, jobId, TimeSpan.FromDays(1), When.NotExists))
            {
                jobId = (await db.StringGetAsync(key)).ToString();
                if (await services.Jobs.GetAsync(jobId) is { } existing) return TypedResults.Created($"/api/jobs/{jobId}", existing);
            }
        }

        var method = request.Method ?? new JobMethod("supervised", null);
        ProviderJob providerJob;
        try
        {
            var trainingFileId = await UploadAsync(training!, services, cancellationToken);
            var validationFileId = validation is null ? null : await UploadAsync(validation, services, cancellationToken);
            providerJob = await services.Provider.CreateJobAsync(
                new ProviderJobRequest(request.Model, trainingFileId, validationFileId, method, request.Suffix, request.Seed),
                request.Metadata,
                idempotencyKey: jobId,
                cancellationToken);
        }
        catch (ClientResultException e)
        {
            return ProviderProblem(e);
        }

        var job = new FineTuneJob
        {
            Id = jobId,
            WorkspaceId = workspace.Id,
            Status = providerJob.Status,
            Model = request.Model,
            ProviderJobId = providerJob.Id,
            TrainingDatasetId = request.TrainingDatasetId,
            ValidationDatasetId = request.ValidationDatasetId,
            Method = method,
            Suffix = request.Suffix,
            Seed = request.Seed,
            CreatedBy = user.UserId(),
            CreatedAt = services.Time.GetUtcNow(),
            Metadata = request.Metadata is { Count: > 0 } ? request.Metadata : null,
        };
        await services.Jobs.SaveAsync(job);
        await services.Jobs.PublishAsync(new JobUpdate(job, []));
        return TypedResults.Created($"/api/jobs/{job.Id}", job);
    }

    // The console lists every job of the workspace (10,000 stay fast: the page virtualizes them).
    public static async Task<Ok<IReadOnlyList<FineTuneJob>>> ListJobs(WorkspaceScope workspace, JobStore jobs, [FromQuery] int? limit) =>
        TypedResults.Ok(await jobs.ListAsync(workspace.Id, Math.Clamp(limit ?? 10_000, 1, 50_000)));

    public static async Task<Results<Ok<FineTuneJob>, NotFound>> GetJob(string id, JobStore jobs) =>
        await jobs.GetAsync(id) is { } job ? TypedResults.Ok(job) : TypedResults.NotFound();

    public static async Task<Results<Ok<JobEventPage>, NotFound>> GetJobEvents(
        string id, [FromQuery] string? after, [FromQuery] int? limit, JobStore jobs)
    {
        if (await jobs.GetAsync(id) is null) return TypedResults.NotFound();
        try
        {
            return TypedResults.Ok(await jobs.GetEventsAsync(id, after, Math.Clamp(limit ?? 1000, 1, 10_000)));
        }
        catch (KeyNotFoundException)
        {
            return TypedResults.NotFound();
        }
    }

    public static Task<Results<Ok<FineTuneJob>, NotFound, ProblemHttpResult>> CancelJob(string id, [AsParameters] JobServices services, CancellationToken cancellationToken) =>
        ActOnJobAsync(id, services, services.Provider.CancelJobAsync, cancellationToken);

    public static Task<Results<Ok<FineTuneJob>, NotFound, ProblemHttpResult>> PauseJob(string id, [AsParameters] JobServices services, CancellationToken cancellationToken) =>
        ActOnJobAsync(id, services, services.Provider.PauseJobAsync, cancellationToken);

    public static Task<Results<Ok<FineTuneJob>, NotFound, ProblemHttpResult>> ResumeJob(string id, [AsParameters] JobServices services, CancellationToken cancellationToken) =>
        ActOnJobAsync(id, services, services.Provider.ResumeJobAsync, cancellationToken);

    private static async Task<Results<Ok<FineTuneJob>, NotFound, ProblemHttpResult>> ActOnJobAsync(
        string id, JobServices services, Func<string, CancellationToken, Task<ProviderJob>> action, CancellationToken cancellationToken)
    {
        if (await services.Jobs.GetAsync(id) is not { ProviderJobId: { } providerJobId } job) return TypedResults.NotFound();
        ProviderJob providerJob;
        try
        {
            providerJob = await action(providerJobId, cancellationToken);
        }
        catch (ClientResultException e)
        {
            return ProviderProblem(e);
        }

        // The Worker records the events that follow; the new status is shown at once.
        var updated = job.WithProviderState(providerJob);
        await services.Jobs.SaveAsync(updated);
        await services.Jobs.PublishAsync(new JobUpdate(updated, []));
        return TypedResults.Ok(updated);
    }

    public static async Task<Results<Ok<JobEstimate>, UnprocessableEntity<ProblemDetails>>> EstimateJob(
        JobEstimateRequest request, WorkspaceScope workspace, DatasetStore datasets, ModelCatalog catalog, TimeProvider time, IOptions<ModelTableOptions> models)
    {
        var training = await datasets.GetInWorkspaceAsync(request.TrainingDatasetId, workspace.Id);
        var reasons = new Dictionary<string, string[]>();
        if (string.IsNullOrWhiteSpace(request.Model)) reasons["model"] = ["Choose a base model."];
        if (training is null) reasons["trainingDatasetId"] = [$"There is no dataset {request.TrainingDatasetId}."];
        else if (!training.Report.Valid) reasons["trainingDatasetId"] = DatasetErrors(training);
        if (reasons.Count > 0)
        {
            return TypedResults.UnprocessableEntity(new ProblemDetails
            {
                Title = "No estimate for this job",
                Detail = string.Join(" ", reasons.Values.SelectMany(messages => messages)),
                Status = StatusCodes.Status422UnprocessableEntity,
                Extensions = { ["errors"] = reasons },
            });
        }
        var baseModel = catalog.Find(request.Model)?.Name ?? request.Model;
        return TypedResults.Ok(JobPlanner.Estimate(
            request.Model, training!, request.Method, catalog, time, models.Value.Find(baseModel)?.FineTuningEndsDate));
    }

    public static async Task<Results<Ok<JobCheckpointList>, NotFound, ProblemHttpResult>> GetJobCheckpoints(
        string id, [AsParameters] JobServices services, CancellationToken cancellationToken)
    {
        if (await services.Jobs.GetAsync(id) is not { ProviderJobId: { } providerJobId } job) return TypedResults.NotFound();
        try
        {
            var checkpoints = await services.Provider.GetCheckpointsAsync(providerJobId, cancellationToken);
            await RefreshDetailsAsync(job, services, cancellationToken);
            return TypedResults.Ok(new JobCheckpointList(checkpoints));
        }
        catch (ClientResultException e)
        {
            return ProviderProblem(e);
        }
    }

    public static async Task<Results<Ok<JobResults>, NotFound, ProblemHttpResult>> GetJobResults(
        string id, [AsParameters] JobServices services, CancellationToken cancellationToken)
    {
        try
        {
            return await ReadResultsFileAsync(id, services, cancellationToken) switch
            {
                null => TypedResults.NotFound(),
                var (fileId, content) => TypedResults.Ok(JobResults.Parse(fileId, content.ToString())),
            };
        }
        catch (ClientResultException e)
        {
            return ProviderProblem(e);
        }
    }

    public static async Task<Results<FileContentHttpResult, NotFound, ProblemHttpResult>> DownloadJobResults(
        string id, [AsParameters] JobServices services, CancellationToken cancellationToken)
    {
        try
        {
            return await ReadResultsFileAsync(id, services, cancellationToken) switch
            {
                null => TypedResults.NotFound(),
                var (_, content) => TypedResults.File(content.ToArray(), "text/csv", $"{id}-results.csv"),
            };
        }
        catch (ClientResultException e)
        {
            return ProviderProblem(e);
        }
    }

    // The first results file of the job, or null while it has none (providers write it at the end).
    private static async Task<(string FileId, BinaryData Content)?> ReadResultsFileAsync(string id, JobServices services, CancellationToken cancellationToken)
    {
        if (await services.Jobs.GetAsync(id) is not { ProviderJobId: not null } job) return null;
        var refreshed = await RefreshDetailsAsync(job, services, cancellationToken);
        if (refreshed.ResultFiles is not [var fileId, ..]) return null;
        return (fileId, await services.Provider.DownloadFileAsync(fileId, cancellationToken));
    }

    // Records what "auto" became, the estimated finish and the result files. The Worker keeps the
    // status; the latest record is read just before saving so this never sets an older status.
    private static async Task<FineTuneJob> RefreshDetailsAsync(FineTuneJob job, JobServices services, CancellationToken cancellationToken)
    {
        var details = (await services.Provider.GetJobAsync(job.ProviderJobId!, cancellationToken)).Details;
        var latest = await services.Jobs.GetAsync(job.Id) ?? job;
        var updated = latest.WithProviderDetails(details);
        var changed = updated.ResolvedHyperparameters != latest.ResolvedHyperparameters
            || updated.EstimatedFinish != latest.EstimatedFinish
            || !(updated.ResultFiles ?? []).SequenceEqual(latest.ResultFiles ?? []);
        if (changed) await services.Jobs.SaveAsync(updated);
        return updated;
    }

    private static Dictionary<string, string[]> RefusalReasons(CreateJobRequest request, DatasetRecord? training, DatasetRecord? validation)
    {
        var reasons = new Dictionary<string, string[]>();
        if (string.IsNullOrWhiteSpace(request.Model)) reasons["model"] = ["Choose a base model."];
        JobPlanner.CheckSuffixAndMetadata(request, reasons);
        if (training is null) reasons["trainingDatasetId"] = [$"There is no dataset {request.TrainingDatasetId}."];
        else if (!training.Report.Valid) reasons["trainingDatasetId"] = DatasetErrors(training);
        if (request.ValidationDatasetId is not null)
        {
            if (validation is null) reasons["validationDatasetId"] = [$"There is no dataset {request.ValidationDatasetId}."];
            else if (!validation.Report.Valid) reasons["validationDatasetId"] = DatasetErrors(validation);
        }
        return reasons;
    }

    private static string[] DatasetErrors(DatasetRecord dataset) =>
        dataset.Report.Errors.Take(20).Select(error => $"{dataset.Name} line {error.Line}: {error.Message} ({error.Code})").ToArray();

    private static async Task<string> UploadAsync(DatasetRecord dataset, JobServices services, CancellationToken cancellationToken)
    {
        await using var content = services.Blobs.OpenRead(dataset.Sha256);
        return await services.Provider.UploadTrainingFileAsync(content, dataset.Name, cancellationToken);
    }

    private static ProblemHttpResult ProviderProblem(ClientResultException e) =>
        TypedResults.Problem(
            title: "The fine-tuning provider refused the request",
            detail: e.Message,
            statusCode: e.Status is >= 400 and < 500 ? e.Status : StatusCodes.Status502BadGateway);
}

public sealed record JobServices(
    JobStore Jobs,
    DatasetStore Datasets,
    BlobStore Blobs,
    FineTuningProvider Provider,
    TimeProvider Time,
    IConnectionMultiplexer Redis);
