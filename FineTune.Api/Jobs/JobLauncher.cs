using System.ClientModel;
using System.Security.Claims;
using FineTune.Api.Accounts;
using FineTune.Api.Audit;
using FineTune.Api.Budgets;
using FineTune.Api.Datasets;

namespace FineTune.Api.Jobs;

// Creates jobs: checks the request and that its datasets fit its method, answers a repeated Idempotency-Key
// with the job it made the first time, charges the month's usage, and either launches the job on the provider
// or, over the workspace's budget, saves it as pending_approval with nothing sent to the provider. Launching
// (upload, create on the provider, save) is also how JobApprovals starts an approved job.
public sealed class JobLauncher(
    JobStore jobs,
    DatasetStore datasets,
    DatasetVersions versions,
    BlobStore blobs,
    ProviderConnections connections,
    BudgetStore budgets,
    ModelCatalog catalog,
    AuditLog audit,
    JobNotifications notifications,
    TimeProvider time)
{
    public async Task<JobOutcome> CreateAsync(
        CreateJobRequest request, string? idempotencyKey, ClaimsPrincipal user, string workspaceId, CancellationToken cancellationToken)
    {
        var training = await datasets.GetInWorkspaceAsync(request.TrainingDatasetId, workspaceId);
        var validation = request.ValidationDatasetId is null ? null : await datasets.GetInWorkspaceAsync(request.ValidationDatasetId, workspaceId);
        var provider = await connections.ClientAsync(request.ConnectionId, workspaceId);
        var method = request.Method ?? new JobMethod(TrainingMethods.Supervised, null);
        var reasons = JobPlanner.RefusalReasons(request, method.Type, training, validation);
        if (provider is null) reasons["connectionId"] = [$"There is no connection {request.ConnectionId}."];
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
            CreatedBy = user.UserId(),
            CreatedAt = time.GetUtcNow(),
            Metadata = request.Metadata is { Count: > 0 } ? request.Metadata : null,
        };

        // Over the workspace's monthly budget, the job waits for an owner, even when an owner launched it.
        var estimate = JobPlanner.Estimate(request.Model, training!, method, catalog, time, fineTuningEnds: null);
        var (charge, overBudget) = await budgets.TryChargeAsync(workspaceId, request.Model, estimate.TrainedTokens, estimate.Cost);
        if (charge is null)
        {
            var pending = job with { Approval = new JobApproval(overBudget!, user.UserId(), job.CreatedAt, estimate.TrainedTokens, estimate.Cost) };
            await jobs.SaveAndPublishAsync(pending);
            await audit.RecordAsync(workspaceId, user, AuditAction.JobPendingApproval, "job", pending.Id, pending.AuditName(), overBudget);
            await notifications.ApprovalRequestedAsync(pending, user.UserId(), user.Identity?.Name ?? user.UserId());
            return new JobOutcome.Succeeded(pending);
        }

        var launched = await LaunchAsync(job, training!, validation, provider!, charge, cancellationToken);
        if (launched is JobOutcome.Succeeded { Job: var started })
        {
            await audit.RecordAsync(workspaceId, user, AuditAction.JobCreated, "job", started.Id, started.AuditName(), $"trained on {training!.Name}");
        }
        return launched;
    }

    // Uploads the datasets, creates the job on the provider and saves it: the one way a job starts,
    // at once or once approved. The month's usage was charged before; a launch that fails gives it back.
    // Succeeded with the launched job, or ProviderRefused.
    public async Task<JobOutcome> LaunchAsync(
        FineTuneJob job, DatasetRecord training, DatasetRecord? validation, FineTuningProvider provider, BudgetCharge charge,
        CancellationToken cancellationToken)
    {
        ProviderJob providerJob;
        try
        {
            var trainingFileId = await UploadAsync(training, provider, cancellationToken);
            var validationFileId = validation is null ? null : await UploadAsync(validation, provider, cancellationToken);
            providerJob = await provider.CreateJobAsync(
                new ProviderJobRequest(job.Model, trainingFileId, validationFileId, job.Method, job.Suffix, job.Seed),
                job.Metadata,
                idempotencyKey: job.Id,
                cancellationToken);
        }
        catch (ClientResultException e)
        {
            await budgets.RefundAsync(charge);
            return new JobOutcome.ProviderRefused(e);
        }
        catch
        {
            await budgets.RefundAsync(charge);
            throw;
        }

        var launched = job with { Status = providerJob.Status, ProviderJobId = providerJob.Id };
        await jobs.SaveAndPublishAsync(launched);
        return new JobOutcome.Succeeded(launched);
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

    private async Task<string> UploadAsync(DatasetRecord dataset, FineTuningProvider provider, CancellationToken cancellationToken)
    {
        await using var content = blobs.OpenRead(dataset.Sha256);
        return await provider.UploadTrainingFileAsync(content, dataset.Name, cancellationToken);
    }
}

public static class JobAuditNames
{
    // How the audit log and notifications name a job.
    public static string AuditName(this FineTuneJob job) => job.Suffix is { Length: > 0 } suffix ? $"{suffix} ({job.Model})" : job.Model;
}
