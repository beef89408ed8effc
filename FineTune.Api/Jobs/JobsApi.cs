using System.Diagnostics;
using System.Security.Claims;
using FineTune.Api.Accounts;
using FineTune.Api.Datasets;
using FineTune.Api.Workspaces;
using Microsoft.AspNetCore.Mvc;

namespace FineTune.Api.Jobs;

public static class JobsApi
{
    public static IEndpointRouteBuilder MapJobsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/jobs").WithTags("Jobs").RequireAuthorization();

        api.MapPost("/", CreateJob).WithName("CreateJob")
            .WithSummary("Start a fine-tuning job (201, at once, in status uploading: the Worker sends the datasets and creates it on the "
                + "provider; the job fails with the provider's error if it refuses); over the workspace's monthly budget the job "
                + "is saved as pending_approval instead, with nothing sent to the provider, and answered with 202; a dataset that does not fit "
                + "the job's method is refused with 400 and its lines, before anything is sent")
            .RequireWorkspaceRole(WorkspaceRole.Member);
        api.MapGet("/", ListJobs).WithName("ListJobs")
            .WithSummary("The workspace's jobs, newest first: limit (default 10,000), status (only the jobs in it), after (a job id: the jobs older than it)")
            .RequireWorkspaceRole(WorkspaceRole.Viewer);
        api.MapPost("/estimate", EstimateJob).WithName("EstimateJob").WithSummary("Resolve 'auto' hyperparameters and estimate trained tokens and cost, without starting anything")
            .RequireWorkspaceRole(WorkspaceRole.Viewer);
        api.MapGet("/{id}", GetJob).WithName("GetJob").WithSummary("A job's latest snapshot")
            .RequireJobRole(WorkspaceRole.Viewer);
        api.MapGet("/{id}/events", GetJobEvents).WithName("GetJobEvents").WithSummary("A job's events in order, after the provider event id 'after'")
            .RequireJobRole(WorkspaceRole.Viewer);
        api.MapPost("/{id}/cancel", CancelJob).WithName("CancelJob").WithSummary("Cancel the job on the provider (or before it gets there, while uploading)")
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
            .WithSummary("Approve a job waiting for approval (over budget): it starts uploading as a created job does; 409 once decided")
            .RequireJobRole(WorkspaceRole.Owner);
        api.MapPost("/{id}/deny", DenyJob).WithName("DenyJob")
            .WithSummary("Deny a job waiting for approval, with an optional { reason }: it becomes denied and never starts; 409 once decided")
            .RequireJobRole(WorkspaceRole.Owner);
        // Viewer, as for an estimate: the preview changes nothing and names only connections a viewer can list.
        api.MapPost("/{id}/rerun/preview", PreviewRerun).WithName("PreviewJobRerun")
            .WithSummary("What POST /{id}/rerun would send: the create request, what differs from the original, what the target cannot take "
                + "(by field) and the training types it offers (Azure's); 400 for an unknown connection or a job with no datasets in FineTune")
            .RequireJobRole(WorkspaceRole.Viewer);
        api.MapPost("/{id}/rerun", RerunJob).WithName("RerunJob")
            .WithSummary("Run the job again: { connectionId, model?, overrides? } → 201 a new job on the same dataset versions with the original's "
                + "resolved hyperparameters, seed and suffix unless overridden; 400 naming the field the target cannot take")
            .RequireJobRole(WorkspaceRole.Member);
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
        CancellationToken cancellationToken) =>
        await services.Creator.CreateAsync(request, rerunOf: null, idempotencyKey, user, workspace.Id, cancellationToken) switch
        {
            JobOutcome.Refused refused => ApiProblems.Unprocessable("The job cannot start", refused.Reasons),
            JobOutcome.DoesNotFitMethod misfit => ApiProblems.BadRequest($"The dataset does not fit {misfit.Method} fine-tuning", misfit.Reasons),
            JobOutcome.Succeeded { Job: { Status: JobStatus.PendingApproval } pending } => TypedResults.Accepted($"/api/jobs/{pending.Id}", pending),
            JobOutcome.Succeeded { Job: var job } => TypedResults.Created($"/api/jobs/{job.Id}", job),
            var outcome => throw Unexpected(outcome),
        };

    public static async Task<Results<Ok<JobRerunPreview>, ProblemHttpResult>> PreviewRerun(string id, RerunJobRequest request, [AsParameters] JobServices services) =>
        await services.Reruns.PreviewAsync((await services.Jobs.GetAsync(id))!, request) switch
        {
            JobOutcome.RerunPreviewed previewed => TypedResults.Ok(previewed.Preview),
            var outcome => RerunRefused(outcome),
        };

    public static async Task<Results<Created<FineTuneJob>, Accepted<FineTuneJob>, ProblemHttpResult>> RerunJob(
        string id,
        RerunJobRequest request,
        [FromHeader(Name = "Idempotency-Key")] string? idempotencyKey,
        ClaimsPrincipal user,
        [AsParameters] JobServices services,
        CancellationToken cancellationToken) =>
        await services.Reruns.RerunAsync((await services.Jobs.GetAsync(id))!, request, idempotencyKey, user, cancellationToken) switch
        {
            JobOutcome.Succeeded { Job: { Status: JobStatus.PendingApproval } pending } => TypedResults.Accepted($"/api/jobs/{pending.Id}", pending),
            JobOutcome.Succeeded { Job: var job } => TypedResults.Created($"/api/jobs/{job.Id}", job),
            var outcome => RerunRefused(outcome),
        };

    private static ProblemHttpResult RerunRefused(JobOutcome outcome) => outcome switch
    {
        JobOutcome.NoDatasets { Job: var job } => ApiProblems.BadRequest("The job cannot be re-run",
            $"Job {job.Id} was created on the provider outside FineTune, which has none of its datasets: there is nothing to send again."),
        JobOutcome.Refused refused => ApiProblems.BadRequest("The job cannot be re-run there", refused.Reasons),
        JobOutcome.DoesNotFitMethod misfit => ApiProblems.BadRequest($"The dataset does not fit {misfit.Method} fine-tuning", misfit.Reasons),
        _ => throw Unexpected(outcome),
    };

    // The console lists every job of the workspace (10,000 stay fast: the page virtualizes them); scripts page with limit and after.
    public static async Task<Results<Ok<IReadOnlyList<FineTuneJob>>, ProblemHttpResult>> ListJobs(
        WorkspaceScope workspace, [FromQuery] int? limit, [FromQuery] string? status, [FromQuery] string? after, [AsParameters] JobServices services)
    {
        if (status is not null && !JobStatus.All.Contains(status))
            return ApiProblems.BadRequest("Unknown status", $"status \"{status}\" is none of {string.Join(", ", JobStatus.All)}.");
        return TypedResults.Ok(await services.Jobs.ListAsync(workspace.Id, Math.Clamp(limit ?? 10_000, 1, 50_000), status, after));
    }

    public static async Task<Results<Ok<JobEstimate>, UnprocessableEntity<ProblemDetails>>> EstimateJob(
        JobEstimateRequest request, WorkspaceScope workspace, [AsParameters] JobServices services)
    {
        var training = await services.Datasets.GetInWorkspaceAsync(request.TrainingDatasetId, workspace.Id);
        var reasons = JobPlanner.EstimateRefusalReasons(request, training);
        if (reasons.Count > 0) return ApiProblems.Unprocessable("No estimate for this job", reasons);
        return TypedResults.Ok(JobPlanner.Estimate(
            request.Model, training!, request.Method, services.Catalog, services.Time, services.Catalog.Find(request.Model)?.FineTuningEndsDate));
    }

    public static async Task<Results<Ok<FineTuneJob>, NotFound>> GetJob(string id, [AsParameters] JobServices services) =>
        await services.Jobs.GetAsync(id) is { } job ? TypedResults.Ok(job) : TypedResults.NotFound();

    public static async Task<Results<Ok<JobEventPage>, NotFound>> GetJobEvents(
        string id, [FromQuery] string? after, [FromQuery] int? limit, [AsParameters] JobServices services)
    {
        if (await services.Jobs.GetAsync(id) is null) return TypedResults.NotFound();
        try
        {
            return TypedResults.Ok(await services.Jobs.GetEventsAsync(id, after, Math.Clamp(limit ?? 1000, 1, 10_000)));
        }
        catch (KeyNotFoundException)
        {
            return TypedResults.NotFound();
        }
    }

    public static async Task<Results<Ok<FineTuneJob>, NotFound, ProblemHttpResult>> CancelJob(
        string id, ClaimsPrincipal user, [AsParameters] JobServices services, CancellationToken cancellationToken) =>
        ToControlResult(await services.Control.CancelAsync(id, user, cancellationToken));

    public static async Task<Results<Ok<FineTuneJob>, NotFound, ProblemHttpResult>> PauseJob(
        string id, ClaimsPrincipal user, [AsParameters] JobServices services, CancellationToken cancellationToken) =>
        ToControlResult(await services.Control.PauseAsync(id, user, cancellationToken));

    public static async Task<Results<Ok<FineTuneJob>, NotFound, ProblemHttpResult>> ResumeJob(
        string id, ClaimsPrincipal user, [AsParameters] JobServices services, CancellationToken cancellationToken) =>
        ToControlResult(await services.Control.ResumeAsync(id, user, cancellationToken));

    private static Results<Ok<FineTuneJob>, NotFound, ProblemHttpResult> ToControlResult(JobOutcome outcome) => outcome switch
    {
        JobOutcome.Succeeded { Job: var job } => TypedResults.Ok(job),
        JobOutcome.NotFound => TypedResults.NotFound(),
        // Cancelling a job waiting for approval withdraws it, unless an owner decided first.
        JobOutcome.NotPending notPending => TypedResults.Problem(
            title: NotWaitingForApprovalTitle, detail: NotWaitingForApprovalDetail(notPending), statusCode: StatusCodes.Status409Conflict),
        JobOutcome.ConnectionGone gone => ConnectionGone(gone.Job),
        JobOutcome.ReadOnly readOnly => TypedResults.Problem(
            title: "The job is a record imported from a bundle",
            detail: $"Job {readOnly.Job.Id} ran elsewhere (job {readOnly.Job.Bundle?.SourceJobId}); no provider is asked to change it.",
            statusCode: StatusCodes.Status409Conflict),
        JobOutcome.ProviderRefused refused => ApiProblems.Provider(refused.Error),
        _ => throw Unexpected(outcome),
    };

    public static async Task<Results<Ok<JobCheckpointList>, NotFound, ProblemHttpResult>> GetJobCheckpoints(
        string id, [AsParameters] JobServices services, CancellationToken cancellationToken) =>
        await services.Artifacts.GetCheckpointsAsync(id, cancellationToken) switch
        {
            JobOutcome.Checkpoints checkpoints => TypedResults.Ok(new JobCheckpointList(checkpoints.Data)),
            JobOutcome.NotFound => TypedResults.NotFound(),
            JobOutcome.ConnectionGone gone => ConnectionGone(gone.Job),
            JobOutcome.ProviderRefused refused => ApiProblems.Provider(refused.Error),
            var outcome => throw Unexpected(outcome),
        };

    public static async Task<Results<Ok<JobResults>, NotFound, ProblemHttpResult>> GetJobResults(
        string id, [AsParameters] JobServices services, CancellationToken cancellationToken) =>
        await services.Artifacts.ReadResultsFileAsync(id, cancellationToken) switch
        {
            JobOutcome.ResultsFile file => TypedResults.Ok(JobResults.Parse(file.FileId, file.Content.ToString())),
            JobOutcome.NotFound => TypedResults.NotFound(),
            JobOutcome.ConnectionGone gone => ConnectionGone(gone.Job),
            JobOutcome.ProviderRefused refused => ApiProblems.Provider(refused.Error),
            var outcome => throw Unexpected(outcome),
        };

    public static async Task<Results<FileContentHttpResult, NotFound, ProblemHttpResult>> DownloadJobResults(
        string id, [AsParameters] JobServices services, CancellationToken cancellationToken) =>
        await services.Artifacts.ReadResultsFileAsync(id, cancellationToken) switch
        {
            JobOutcome.ResultsFile file => TypedResults.File(file.Content.ToArray(), "text/csv", $"{id}-results.csv"),
            JobOutcome.NotFound => TypedResults.NotFound(),
            JobOutcome.ConnectionGone gone => ConnectionGone(gone.Job),
            JobOutcome.ProviderRefused refused => ApiProblems.Provider(refused.Error),
            var outcome => throw Unexpected(outcome),
        };

    public static async Task<Results<Ok<FineTuneJob>, NotFound, Conflict<ProblemDetails>, UnprocessableEntity<ProblemDetails>>> ApproveJob(
        string id, ClaimsPrincipal user, [AsParameters] JobServices services) =>
        await services.Approvals.ApproveAsync(id, user) switch
        {
            JobOutcome.Succeeded { Job: var job } => TypedResults.Ok(job),
            JobOutcome.NotFound => TypedResults.NotFound(),
            JobOutcome.NotPending notPending => NotWaitingForApproval(notPending),
            JobOutcome.CannotStart => ApiProblems.Unprocessable("The job cannot start",
                "Its dataset or its provider connection was deleted while it waited. Deny it, and launch it again with what exists now."),
            var outcome => throw Unexpected(outcome),
        };

    public static async Task<Results<Ok<FineTuneJob>, NotFound, Conflict<ProblemDetails>>> DenyJob(
        string id, DenyJobRequest? request, ClaimsPrincipal user, [AsParameters] JobServices services) =>
        await services.Approvals.DenyAsync(id, request?.Reason, user) switch
        {
            JobOutcome.Succeeded { Job: var job } => TypedResults.Ok(job),
            JobOutcome.NotFound => TypedResults.NotFound(),
            JobOutcome.NotPending notPending => NotWaitingForApproval(notPending),
            var outcome => throw Unexpected(outcome),
        };

    public static async Task<NoContent> WatchJob(string id, ClaimsPrincipal user, [AsParameters] JobServices services)
    {
        await services.Watchers.WatchAsync(id, user.UserId());
        return TypedResults.NoContent();
    }

    public static async Task<NoContent> UnwatchJob(string id, ClaimsPrincipal user, [AsParameters] JobServices services)
    {
        await services.Watchers.UnwatchAsync(id, user.UserId());
        return TypedResults.NoContent();
    }

    public static async Task<Ok<IReadOnlyList<JobWatcher>>> ListJobWatchers(string id, [AsParameters] JobServices services)
    {
        var accounts = await services.Users.GetManyAsync(await services.Watchers.ListAsync(id));
        return TypedResults.Ok<IReadOnlyList<JobWatcher>>(accounts.Select(a => new JobWatcher(a.Id, a.Name)).OrderBy(w => w.Name, StringComparer.OrdinalIgnoreCase).ToList());
    }

    private static Conflict<ProblemDetails> NotWaitingForApproval(JobOutcome.NotPending notPending) =>
        ApiProblems.Conflict(NotWaitingForApprovalTitle, NotWaitingForApprovalDetail(notPending));

    private const string NotWaitingForApprovalTitle = "The job is not waiting for approval";

    private static string NotWaitingForApprovalDetail(JobOutcome.NotPending notPending) => string.IsNullOrEmpty(notPending.Decision)
        ? $"Job {notPending.Job.Id} is {notPending.Job.Status}; only a job launched over the workspace's budget waits for an owner's decision."
        : $"Job {notPending.Job.Id} was already {notPending.Decision}; a decision cannot be changed.";

    // Only a finished job can be here: a connection is not deleted while active jobs run on it.
    private static ProblemHttpResult ConnectionGone(FineTuneJob job) =>
        TypedResults.Problem(
            title: "The job's provider connection was deleted",
            detail: $"Job {job.Id} ran on connection {job.ConnectionId}, which no longer exists, so the provider cannot be asked about it.",
            statusCode: StatusCodes.Status409Conflict);

    // A workflow answered with an outcome its route does not expect: a bug, not a request to answer.
    private static UnreachableException Unexpected(JobOutcome outcome) => new($"No answer for {outcome}.");
}

// The job routes' dependencies: the workflows, and the stores the reading routes use directly.
public sealed record JobServices(
    JobStore Jobs,
    JobCreator Creator,
    JobReruns Reruns,
    JobApprovals Approvals,
    JobControl Control,
    JobArtifacts Artifacts,
    JobWatchers Watchers,
    UserStore Users,
    DatasetStore Datasets,
    ModelCatalog Catalog,
    TimeProvider Time);

// POST /api/jobs/{id}/deny: the owner's reason, shown to the job's creator.
public sealed record DenyJobRequest(string? Reason);
