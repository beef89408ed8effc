using System.Security.Claims;
using FineTune.Api.Accounts;
using FineTune.Api.Audit;
using FineTune.Api.Datasets;
using FineTune.Api.Telemetry;

namespace FineTune.Api.Jobs;

// Creates jobs: checks the request and that its datasets fit its method, answers a repeated Idempotency-Key
// with the job it made the first time, charges the month's usage, and either starts the job uploading or, over
// the workspace's budget, saves it as pending_approval with nothing sent to the provider. Starting it is only a
// save: the Worker sends the datasets and creates the job on the provider (its JobLauncher), so the request
// answers at once whatever the datasets' size. It is also how JobApprovals starts an approved job.
public sealed class JobCreator(
    JobStore jobs,
    DatasetStore datasets,
    DatasetVersions versions,
    ProviderConnections connections,
    BudgetStore budgets,
    ModelCatalog catalog,
    AuditLog audit,
    JobNotifications notifications,
    TimeProvider time)
{
    // rerunOf: the job this one runs again (JobReruns), kept on the new job; null for a new job.
    public async Task<JobOutcome> CreateAsync(
        CreateJobRequest request, string? rerunOf, string? idempotencyKey, ClaimsPrincipal user, string workspaceId, CancellationToken cancellationToken)
    {
        var outcome = await DecideAsync(request, rerunOf, idempotencyKey, user, workspaceId, cancellationToken);
        var name = outcome switch
        {
            JobOutcome.Succeeded created => created.Job.Status,
            JobOutcome.DoesNotFitMethod => "does_not_fit_method",
            _ => "refused",
        };
        ApiTelemetry.JobsCreated.Add(1, new KeyValuePair<string, object?>("outcome", name));
        return outcome;
    }

    private async Task<JobOutcome> DecideAsync(
        CreateJobRequest request, string? rerunOf, string? idempotencyKey, ClaimsPrincipal user, string workspaceId, CancellationToken cancellationToken)
    {
        var training = await datasets.GetInWorkspaceAsync(request.TrainingDatasetId, workspaceId);
        var validation = request.ValidationDatasetId is null ? null : await datasets.GetInWorkspaceAsync(request.ValidationDatasetId, workspaceId);
        var connection = await connections.FindAsync(request.ConnectionId, workspaceId);
        var method = request.Method ?? new JobMethod(TrainingMethods.Supervised, null);
        var reasons = JobPlanner.RefusalReasons(request, method.Type, training, validation);
        if (connection is null) reasons["connectionId"] = [$"There is no connection {request.ConnectionId}."];
        else JobPlanner.CheckTarget(request, method.Type, connection.Kind, reasons);
        if (reasons.Count > 0) return new JobOutcome.Refused(reasons);
        var misfits = await MethodMisfitsAsync(method.Type, training!, validation, cancellationToken);
        if (misfits.Count > 0) return new JobOutcome.DoesNotFitMethod(method.Type, misfits);

        var jobId = "job_" + Guid.NewGuid().ToString("N")[..16];
        if (idempotencyKey is not null)
        {
            var claimed = await jobs.ClaimIdempotencyKeyAsync(user.UserId(), idempotencyKey, jobId);
            if (claimed != jobId && await jobs.GetAsync(claimed) is { } existing) return new JobOutcome.Succeeded(existing);
            // A key whose first request has not saved its job yet (or failed) makes that job now.
            jobId = claimed;
        }

        var job = new FineTuneJob
        {
            Id = jobId,
            WorkspaceId = workspaceId,
            ConnectionId = ProviderConnection.IsServer(request.ConnectionId) ? null : request.ConnectionId,
            Status = JobStatus.PendingApproval,
            Model = request.Model,
            TrainingDatasetId = request.TrainingDatasetId,
            ValidationDatasetId = request.ValidationDatasetId,
            Method = method,
            Suffix = request.Suffix,
            Seed = request.Seed,
            TrainingType = request.TrainingType,
            RerunOf = rerunOf,
            CreatedBy = user.UserId(),
            CreatedAt = time.GetUtcNow(),
            Metadata = request.Metadata is { Count: > 0 } ? request.Metadata : null,
        };

        // Over the workspace's monthly budget, the job waits for an owner, even when an owner launched it.
        var estimate = JobPlanner.Estimate(request.Model, training!, method, catalog, time, fineTuningEnds: null);
        var (charge, overBudget) = await budgets.TryChargeAsync(workspaceId, request.Model, estimate.TrainedTokens, estimate.Cost);
        if (charge is null)
        {
            ApiTelemetry.BudgetRefusals.Add(1);
            var pending = job with { Approval = new JobApproval(overBudget!, user.UserId(), job.CreatedAt, estimate.TrainedTokens, estimate.Cost) };
            await jobs.SaveAndPublishAsync(pending);
            await audit.RecordAsync(workspaceId, user, AuditAction.JobPendingApproval, "job", pending.Id, pending.AuditName(), overBudget);
            await notifications.ApprovalRequestedAsync(pending, user.UserId(), user.Identity?.Name ?? user.UserId());
            return new JobOutcome.Succeeded(pending);
        }

        var uploading = await StartUploadingAsync(job, training!, validation, charge);
        await audit.RecordAsync(workspaceId, user, AuditAction.JobCreated, "job", uploading.Id, uploading.AuditName(), $"trained on {training!.Name}");
        return new JobOutcome.Succeeded(uploading);
    }

    // Hands the job to the Worker: uploading, with the dataset versions to send and the budget charge to give back
    // should the provider refuse it.
    public async Task<FineTuneJob> StartUploadingAsync(FineTuneJob job, DatasetRecord training, DatasetRecord? validation, BudgetCharge charge)
    {
        DatasetRecord[] toSend = validation is null ? [training] : [training, validation];
        var uploading = job with
        {
            Status = JobStatus.Uploading,
            Upload = new JobUpload([.. toSend.Select(dataset => new DatasetTransfer(dataset.Id, dataset.Name, dataset.Sha256, dataset.Bytes))], charge),
        };
        await jobs.SaveAndPublishAsync(uploading);
        return uploading;
    }

    // The datasets' errors for the job's method, by field; empty when both fit it. A report made for another method,
    // or assumed from the lines, says nothing about this one, so such a dataset is checked again first.
    private async Task<Dictionary<string, string[]>> MethodMisfitsAsync(
        string method, DatasetRecord training, DatasetRecord? validation, CancellationToken cancellationToken)
    {
        var misfits = new Dictionary<string, string[]>();
        if (await versions.ReportForMethodAsync(training, method, cancellationToken) is { Valid: false } trainingReport)
            misfits["trainingDatasetId"] = JobPlanner.DatasetErrors(training.Name, trainingReport);
        if (validation is not null && await versions.ReportForMethodAsync(validation, method, cancellationToken) is { Valid: false } validationReport)
            misfits["validationDatasetId"] = JobPlanner.DatasetErrors(validation.Name, validationReport);
        return misfits;
    }
}

public static class JobAuditNames
{
    // How the audit log and notifications name a job.
    public static string AuditName(this FineTuneJob job) => job.Suffix is { Length: > 0 } suffix ? $"{suffix} ({job.Model})" : job.Model;
}
