using System.ClientModel;
using System.Security.Claims;
using FineTune.Api.Auth;
using FineTune.Api.Datasets;
using FineTune.Core.Datasets;
using FineTune.Core.Jobs;
using FineTune.Core.Providers;
using FineTune.Core.Redis;
using Microsoft.AspNetCore.Mvc;
using StackExchange.Redis;

namespace FineTune.Api.Jobs;

public static class JobsApi
{
    public static IEndpointRouteBuilder MapJobsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/jobs").WithTags("Jobs").RequireAuthorization();

        api.MapPost("/", CreateJob).WithName("CreateJob").WithSummary("Upload the datasets to the provider and start a fine-tuning job");
        api.MapGet("/", ListJobs).WithName("ListJobs").WithSummary("All jobs, newest first");
        api.MapGet("/{id}", GetJob).WithName("GetJob").WithSummary("A job's latest snapshot");
        api.MapGet("/{id}/events", GetJobEvents).WithName("GetJobEvents").WithSummary("A job's events in order, after the provider event id 'after'");
        api.MapPost("/{id}/cancel", CancelJob).WithName("CancelJob").WithSummary("Cancel the job on the provider");
        api.MapPost("/{id}/pause", PauseJob).WithName("PauseJob").WithSummary("Pause the job on the provider");
        api.MapPost("/{id}/resume", ResumeJob).WithName("ResumeJob").WithSummary("Resume a paused job on the provider");
        return app;
    }

    public static async Task<Results<Created<FineTuneJob>, UnprocessableEntity<ProblemDetails>, ProblemHttpResult>> CreateJob(
        CreateJobRequest request,
        [FromHeader(Name = "Idempotency-Key")] string? idempotencyKey,
        ClaimsPrincipal user,
        [AsParameters] JobServices services,
        CancellationToken cancellationToken)
    {
        var training = await services.Datasets.GetAsync(request.TrainingDatasetId);
        var validation = request.ValidationDatasetId is null ? null : await services.Datasets.GetAsync(request.ValidationDatasetId);
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
        };
        await services.Jobs.SaveAsync(job);
        await services.Jobs.PublishAsync(new JobUpdate(job, []));
        return TypedResults.Created($"/api/jobs/{job.Id}", job);
    }

    public static async Task<Ok<IReadOnlyList<FineTuneJob>>> ListJobs(JobStore jobs) =>
        TypedResults.Ok(await jobs.ListAsync());

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

    private static Dictionary<string, string[]> RefusalReasons(CreateJobRequest request, DatasetRecord? training, DatasetRecord? validation)
    {
        var reasons = new Dictionary<string, string[]>();
        if (string.IsNullOrWhiteSpace(request.Model)) reasons["model"] = ["Choose a base model."];
        if (request.Suffix is { Length: > 64 }) reasons["suffix"] = ["The suffix can be at most 64 characters."];
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
