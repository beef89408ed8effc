using System.ClientModel;
using System.Security.Claims;
using FineTune.Api.Accounts;
using FineTune.Api.Audit;
using FineTune.Api.Budgets;
using FineTune.Api.Workspaces;
using FineTune.Api.Datasets;
using FineTune.Api.Models;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace FineTune.Api.Jobs;

public static class JobsApi
{
    public static IEndpointRouteBuilder MapJobsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/jobs").WithTags("Jobs").RequireAuthorization();

        api.MapPost("/", CreateJob).WithName("CreateJob")
            .WithSummary("Upload the datasets to the provider and start a fine-tuning job (201); over the workspace's monthly budget the job "
                + "is saved as pending_approval instead, with nothing sent to the provider, and answered with 202")
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
        api.MapPost("/{id}/approve", ApproveJob).WithName("ApproveJob")
            .WithSummary("Approve a job waiting for approval (over budget): it is launched on the provider as a create would; 409 once decided")
            .RequireJobRole(WorkspaceRole.Owner);
        api.MapPost("/{id}/deny", DenyJob).WithName("DenyJob")
            .WithSummary("Deny a job waiting for approval, with an optional { reason }: it becomes denied and never starts; 409 once decided")
            .RequireJobRole(WorkspaceRole.Owner);
        api.MapPost("/{id}/watch", WatchJob).WithName("WatchJob").WithSummary("Be notified when the job finishes, fails or is decided")
            .RequireJobRole(WorkspaceRole.Viewer);
        api.MapDelete("/{id}/watch", UnwatchJob).WithName("UnwatchJob").WithSummary("Stop being notified about the job (its creator still is)")
            .RequireJobRole(WorkspaceRole.Viewer);
        api.MapGet("/{id}/watchers", ListJobWatchers).WithName("ListJobWatchers").WithSummary("Who watches the job, besides its creator")
            .RequireJobRole(WorkspaceRole.Viewer);
        return app;
    }

    // A job route's workspace is the job's own.
    private static RouteHandlerBuilder RequireJobRole(this RouteHandlerBuilder builder, WorkspaceRole role) =>
        builder.RequireRoleOn<JobStore>(role, "id", (jobs, id) => jobs.WorkspaceOfAsync(id));

    public static async Task<Results<Created<FineTuneJob>, Accepted<FineTuneJob>, UnprocessableEntity<ProblemDetails>, ProblemHttpResult>> CreateJob(
        CreateJobRequest request,
        [FromHeader(Name = "Idempotency-Key")] string? idempotencyKey,
        ClaimsPrincipal user,
        WorkspaceScope workspace,
        [AsParameters] JobServices services,
        CancellationToken cancellationToken)
    {
        var training = await services.Datasets.GetInWorkspaceAsync(request.TrainingDatasetId, workspace.Id);
        var validation = request.ValidationDatasetId is null ? null : await services.Datasets.GetInWorkspaceAsync(request.ValidationDatasetId, workspace.Id);
        var provider = await services.Connections.ClientAsync(request.ConnectionId, workspace.Id);
        var reasons = RefusalReasons(request, training, validation);
        if (provider is null) reasons["connectionId"] = [$"There is no connection {request.ConnectionId}."];
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
                if (await services.Jobs.GetAsync(jobId) is { } existing)
                {
                    return existing.Status == JobStatus.PendingApproval
                        ? TypedResults.Accepted($"/api/jobs/{jobId}", existing)
                        : TypedResults.Created($"/api/jobs/{jobId}", existing);
                }
            }
        }

        var method = request.Method ?? new JobMethod("supervised", null);
        var job = new FineTuneJob
        {
            Id = jobId,
            WorkspaceId = workspace.Id,
            ConnectionId = ProviderConnection.IsServer(request.ConnectionId) ? null : request.ConnectionId,
            Status = JobStatus.PendingApproval,
            Model = request.Model,
            TrainingDatasetId = request.TrainingDatasetId,
            ValidationDatasetId = request.ValidationDatasetId,
            Method = method,
            Suffix = request.Suffix,
            Seed = request.Seed,
            CreatedBy = user.UserId(),
            CreatedAt = services.Time.GetUtcNow(),
            Metadata = request.Metadata is { Count: > 0 } ? request.Metadata : null,
        };

        // Over the workspace's monthly budget, the job waits for an owner, even when an owner launched it.
        var estimate = JobPlanner.Estimate(request.Model, training!, method, services.Catalog, services.Time, fineTuningEnds: null);
        var (charge, overBudget) = await services.Budgets.TryChargeAsync(workspace.Id, request.Model, estimate.TrainedTokens, estimate.Cost);
        if (charge is null)
        {
            var pending = job with { Approval = new JobApproval(overBudget!, user.UserId(), job.CreatedAt, estimate.TrainedTokens, estimate.Cost) };
            await services.Jobs.SaveAsync(pending);
            await services.Jobs.PublishAsync(new JobUpdate(pending, []));
            await services.Audit.RecordAsync(workspace.Id, user, AuditAction.JobPendingApproval, "job", pending.Id, JobName(pending), overBudget);
            await services.Notifications.ApprovalRequestedAsync(pending, user.UserId(), user.Identity?.Name ?? user.UserId());
            return TypedResults.Accepted($"/api/jobs/{pending.Id}", pending);
        }

        var (launched, problem) = await LaunchAsync(job, training!, validation, provider!, charge, services, cancellationToken);
        if (problem is not null) return problem;
        await services.Audit.RecordAsync(workspace.Id, user, AuditAction.JobCreated, "job", launched!.Id, JobName(launched), $"trained on {training!.Name}");
        return TypedResults.Created($"/api/jobs/{launched.Id}", launched);
    }

    // Uploads the datasets, creates the job on the provider and saves it: the one way a job starts,
    // at once or once approved. The month's usage was charged before; a launch that fails gives it back.
    private static async Task<(FineTuneJob? Job, ProblemHttpResult? Problem)> LaunchAsync(
        FineTuneJob job, DatasetRecord training, DatasetRecord? validation, FineTuningProvider provider, BudgetCharge charge,
        JobServices services, CancellationToken cancellationToken)
    {
        ProviderJob providerJob;
        try
        {
            var trainingFileId = await UploadAsync(training, provider, services, cancellationToken);
            var validationFileId = validation is null ? null : await UploadAsync(validation, provider, services, cancellationToken);
            providerJob = await provider.CreateJobAsync(
                new ProviderJobRequest(job.Model, trainingFileId, validationFileId, job.Method, job.Suffix, job.Seed),
                job.Metadata,
                idempotencyKey: job.Id,
                cancellationToken);
        }
        catch (ClientResultException e)
        {
            await services.Budgets.RefundAsync(charge);
            return (null, ProviderProblem(e));
        }
        catch
        {
            await services.Budgets.RefundAsync(charge);
            throw;
        }

        var launched = job with { Status = providerJob.Status, ProviderJobId = providerJob.Id };
        await services.Jobs.SaveAsync(launched);
        await services.Jobs.PublishAsync(new JobUpdate(launched, []));
        return (launched, null);
    }

    public static async Task<Results<Ok<FineTuneJob>, NotFound, Conflict<ProblemDetails>, UnprocessableEntity<ProblemDetails>, ProblemHttpResult>> ApproveJob(
        string id, ClaimsPrincipal user, [AsParameters] JobServices services, CancellationToken cancellationToken)
    {
        if (await services.Jobs.GetAsync(id) is not { } job) return TypedResults.NotFound();
        if (await ClaimDecisionAsync(job, JobApproval.Approved, services) is { } decided) return decided;

        var training = await services.Datasets.GetInWorkspaceAsync(job.TrainingDatasetId, job.WorkspaceId);
        var validation = job.ValidationDatasetId is null ? null : await services.Datasets.GetInWorkspaceAsync(job.ValidationDatasetId, job.WorkspaceId);
        var provider = await services.Connections.ClientForJobAsync(job);
        if (training is null || (job.ValidationDatasetId is not null && validation is null) || provider is null)
        {
            await services.Redis.GetDatabase().KeyDeleteAsync(RedisKeys.JobDecision(job.Id));
            return TypedResults.UnprocessableEntity(new ProblemDetails
            {
                Title = "The job cannot start",
                Detail = "Its dataset or its provider connection was deleted while it waited. Deny it, and launch it again with what exists now.",
                Status = StatusCodes.Status422UnprocessableEntity,
            });
        }

        // Approved means launched whatever the budget says: the owner saw the reason.
        var approval = job.Approval! with { Decision = JobApproval.Approved, DecidedBy = user.UserId(), DecidedAt = services.Time.GetUtcNow() };
        var charge = await services.Budgets.ChargeAsync(job.WorkspaceId, approval.EstimatedTrainedTokens, approval.EstimatedCost);
        var (launched, problem) = await LaunchAsync(job with { Approval = approval }, training, validation, provider, charge, services, cancellationToken);
        if (problem is not null)
        {
            // Still pending: the owner may try again once the provider takes it.
            await services.Redis.GetDatabase().KeyDeleteAsync(RedisKeys.JobDecision(job.Id));
            return problem;
        }
        await services.Audit.RecordAsync(job.WorkspaceId, user, AuditAction.JobApproved, "job", job.Id, JobName(job), approval.Reason);
        await services.Notifications.ApprovalDecidedAsync(launched!, user.UserId(), user.Identity?.Name ?? user.UserId());
        return TypedResults.Ok(launched!);
    }

    public static async Task<Results<Ok<FineTuneJob>, NotFound, Conflict<ProblemDetails>>> DenyJob(
        string id, DenyJobRequest? request, ClaimsPrincipal user, [AsParameters] JobServices services)
    {
        if (await services.Jobs.GetAsync(id) is not { } job) return TypedResults.NotFound();
        if (await ClaimDecisionAsync(job, JobApproval.Denied, services) is { } decided) return decided;

        var now = services.Time.GetUtcNow();
        var comment = string.IsNullOrWhiteSpace(request?.Reason) ? null : request.Reason.Trim();
        var denied = job with
        {
            Status = JobStatus.Denied,
            FinishedAt = now,
            Approval = job.Approval! with { Decision = JobApproval.Denied, DecidedBy = user.UserId(), DecidedAt = now, Comment = comment },
        };
        await services.Jobs.SaveAsync(denied);
        await services.Jobs.PublishAsync(new JobUpdate(denied, []));
        await services.Audit.RecordAsync(job.WorkspaceId, user, AuditAction.JobDenied, "job", job.Id, JobName(job), comment);
        await services.Notifications.ApprovalDecidedAsync(denied, user.UserId(), user.Identity?.Name ?? user.UserId());
        return TypedResults.Ok(denied);
    }

    // A job gets one decision: approve, deny and withdraw all claim it first (SET NX), so of two people
    // acting at once only the first wins, and deciding twice is a conflict.
    private static async Task<Conflict<ProblemDetails>?> ClaimDecisionAsync(FineTuneJob job, string decision, JobServices services)
    {
        var key = RedisKeys.JobDecision(job.Id);
        var db = services.Redis.GetDatabase();
        if (job is { Status: JobStatus.PendingApproval, Approval: not null } && await db.StringSetAsync(key, decision, when: When.NotExists)) return null;

        var made = job.Approval?.Decision ?? (await db.StringGetAsync(key)).ToString();
        return TypedResults.Conflict(new ProblemDetails
        {
            Title = "The job is not waiting for approval",
            Detail = string.IsNullOrEmpty(made)
                ? $"Job {job.Id} is {job.Status}; only a job launched over the workspace's budget waits for an owner's decision."
                : $"Job {job.Id} was already {made}; a decision cannot be changed.",
            Status = StatusCodes.Status409Conflict,
        });
    }

    public static async Task<NoContent> WatchJob(string id, ClaimsPrincipal user, JobWatchers watchers)
    {
        await watchers.WatchAsync(id, user.UserId());
        return TypedResults.NoContent();
    }

    public static async Task<NoContent> UnwatchJob(string id, ClaimsPrincipal user, JobWatchers watchers)
    {
        await watchers.UnwatchAsync(id, user.UserId());
        return TypedResults.NoContent();
    }

    public static async Task<Ok<IReadOnlyList<JobWatcher>>> ListJobWatchers(string id, JobWatchers watchers, UserStore users)
    {
        var accounts = await users.GetManyAsync(await watchers.ListAsync(id));
        return TypedResults.Ok<IReadOnlyList<JobWatcher>>(accounts.Select(a => new JobWatcher(a.Id, a.Name)).OrderBy(w => w.Name, StringComparer.OrdinalIgnoreCase).ToList());
    }

    // How the audit log and notifications name a job.
    private static string JobName(FineTuneJob job) => job.Suffix is { Length: > 0 } suffix ? $"{suffix} ({job.Model})" : job.Model;

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

    public static async Task<Results<Ok<FineTuneJob>, NotFound, ProblemHttpResult>> CancelJob(
        string id, ClaimsPrincipal user, [AsParameters] JobServices services, CancellationToken cancellationToken)
    {
        // A job waiting for approval was never sent to the provider: cancelling withdraws it here.
        if (await services.Jobs.GetAsync(id) is { Status: JobStatus.PendingApproval } pending) return await WithdrawAsync(pending, user, services);
        return await ActOnJobAsync(id, user, AuditAction.JobCancelled, services, (provider, providerJobId, ct) => provider.CancelJobAsync(providerJobId, ct), cancellationToken);
    }

    private static async Task<Results<Ok<FineTuneJob>, NotFound, ProblemHttpResult>> WithdrawAsync(FineTuneJob job, ClaimsPrincipal user, JobServices services)
    {
        if (await ClaimDecisionAsync(job, JobApproval.Withdrawn, services) is { Value: { } decided }) return TypedResults.Problem(decided);
        var now = services.Time.GetUtcNow();
        var withdrawn = job with
        {
            Status = JobStatus.Cancelled,
            FinishedAt = now,
            Approval = job.Approval! with { Decision = JobApproval.Withdrawn, DecidedBy = user.UserId(), DecidedAt = now },
        };
        await services.Jobs.SaveAsync(withdrawn);
        await services.Jobs.PublishAsync(new JobUpdate(withdrawn, []));
        await services.Audit.RecordAsync(job.WorkspaceId, user, AuditAction.JobCancelled, "job", job.Id, JobName(job), "withdrawn before an owner decided");
        await services.Notifications.JobFinishedAsync(withdrawn);
        return TypedResults.Ok(withdrawn);
    }

    public static Task<Results<Ok<FineTuneJob>, NotFound, ProblemHttpResult>> PauseJob(string id, ClaimsPrincipal user, [AsParameters] JobServices services, CancellationToken cancellationToken) =>
        ActOnJobAsync(id, user, AuditAction.JobPaused, services, (provider, providerJobId, ct) => provider.PauseJobAsync(providerJobId, ct), cancellationToken);

    public static Task<Results<Ok<FineTuneJob>, NotFound, ProblemHttpResult>> ResumeJob(string id, ClaimsPrincipal user, [AsParameters] JobServices services, CancellationToken cancellationToken) =>
        ActOnJobAsync(id, user, AuditAction.JobResumed, services, (provider, providerJobId, ct) => provider.ResumeJobAsync(providerJobId, ct), cancellationToken);

    private static async Task<Results<Ok<FineTuneJob>, NotFound, ProblemHttpResult>> ActOnJobAsync(
        string id, ClaimsPrincipal user, string auditAction, JobServices services,
        Func<FineTuningProvider, string, CancellationToken, Task<ProviderJob>> action, CancellationToken cancellationToken)
    {
        if (await services.Jobs.GetAsync(id) is not { ProviderJobId: { } providerJobId } job) return TypedResults.NotFound();
        if (await services.Connections.ClientForJobAsync(job) is not { } provider) return ConnectionGone(job);
        ProviderJob providerJob;
        try
        {
            providerJob = await action(provider, providerJobId, cancellationToken);
        }
        catch (ClientResultException e)
        {
            return ProviderProblem(e);
        }

        // The Worker records the events that follow; the new status is shown at once.
        var updated = job.WithProviderState(providerJob);
        await services.Jobs.SaveAsync(updated);
        await services.Jobs.PublishAsync(new JobUpdate(updated, []));
        await services.Audit.RecordAsync(updated.WorkspaceId, user, auditAction, "job", updated.Id, JobName(updated));
        // A cancel the provider carried out at once takes the job out of the active set here, so no
        // Worker sees it finish: it is announced from here (once, whoever is first).
        await services.Notifications.JobFinishedAsync(updated);
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
        if (await services.Connections.ClientForJobAsync(job) is not { } provider) return ConnectionGone(job);
        try
        {
            var checkpoints = await provider.GetCheckpointsAsync(providerJobId, cancellationToken);
            await RefreshDetailsAsync(job, provider, services, cancellationToken);
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
        if (await services.Jobs.GetAsync(id) is not { ProviderJobId: not null } job) return TypedResults.NotFound();
        if (await services.Connections.ClientForJobAsync(job) is not { } provider) return ConnectionGone(job);
        try
        {
            return await ReadResultsFileAsync(job, provider, services, cancellationToken) switch
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
        if (await services.Jobs.GetAsync(id) is not { ProviderJobId: not null } job) return TypedResults.NotFound();
        if (await services.Connections.ClientForJobAsync(job) is not { } provider) return ConnectionGone(job);
        try
        {
            return await ReadResultsFileAsync(job, provider, services, cancellationToken) switch
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
    private static async Task<(string FileId, BinaryData Content)?> ReadResultsFileAsync(
        FineTuneJob job, FineTuningProvider provider, JobServices services, CancellationToken cancellationToken)
    {
        var refreshed = await RefreshDetailsAsync(job, provider, services, cancellationToken);
        if (refreshed.ResultFiles is not [var fileId, ..]) return null;
        return (fileId, await provider.DownloadFileAsync(fileId, cancellationToken));
    }

    // Records what "auto" became, the estimated finish and the result files. The Worker keeps the
    // status; the latest record is read just before saving so this never sets an older status.
    private static async Task<FineTuneJob> RefreshDetailsAsync(FineTuneJob job, FineTuningProvider provider, JobServices services, CancellationToken cancellationToken)
    {
        var details = (await provider.GetJobAsync(job.ProviderJobId!, cancellationToken)).Details;
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

    private static async Task<string> UploadAsync(DatasetRecord dataset, FineTuningProvider provider, JobServices services, CancellationToken cancellationToken)
    {
        await using var content = services.Blobs.OpenRead(dataset.Sha256);
        return await provider.UploadTrainingFileAsync(content, dataset.Name, cancellationToken);
    }

    // Only a finished job can be here: a connection is not deleted while active jobs run on it.
    private static ProblemHttpResult ConnectionGone(FineTuneJob job) =>
        TypedResults.Problem(
            title: "The job's provider connection was deleted",
            detail: $"Job {job.Id} ran on connection {job.ConnectionId}, which no longer exists, so the provider cannot be asked about it.",
            statusCode: StatusCodes.Status409Conflict);

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
    ProviderConnections Connections,
    TimeProvider Time,
    IConnectionMultiplexer Redis,
    ModelCatalog Catalog,
    BudgetStore Budgets,
    AuditLog Audit,
    JobNotifications Notifications);

// POST /api/jobs/{id}/deny: the owner's reason, shown to the job's creator.
public sealed record DenyJobRequest(string? Reason);
