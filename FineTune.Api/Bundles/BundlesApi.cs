using System.Security.Claims;
using FineTune.Api.Accounts;
using FineTune.Api.Audit;
using FineTune.Api.Datasets;
using FineTune.Api.Jobs;
using FineTune.Api.Workspaces;
using Microsoft.AspNetCore.Mvc;

namespace FineTune.Api.Bundles;

// Portable bundles (docs/bundles.md): what a team keeps of a job, or of a dataset, when its provider goes away, and
// takes into another workspace or another FineTune.
public static class BundlesApi
{
    public static IEndpointRouteBuilder MapBundlesApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/jobs/{id}/bundle", ExportJob).WithTags("Bundles").WithName("ExportJobBundle")
            .WithSummary("The job as a bundle (zip): manifest.json with the sha256 of every file, its training and validation JSONL byte for byte, "
                + "events.jsonl, the results CSV, checkpoints, and the evals that evaluated it with their runs; never a key")
            .RequireRoleOn<JobStore>(WorkspaceRole.Viewer, "id", (jobs, id) => jobs.WorkspaceOfAsync(id));
        app.MapGet("/api/datasets/{id}/bundle", ExportDataset).WithTags("Bundles").WithName("ExportDatasetBundle")
            .WithSummary("The dataset version as a bundle (zip): manifest.json and the JSONL byte for byte")
            .RequireRoleOn<DatasetStore>(WorkspaceRole.Viewer, "id", (datasets, id) => datasets.WorkspaceOfAsync(id));
        app.MapPost("/api/bundles", ImportBundle).WithTags("Bundles").WithName("ImportBundle")
            .WithSummary("Import a bundle (the zip as the body) into the workspace: datasets (reused when the same bytes are there), the job as a "
                + "read-only record with its events, the evals with their runs → 201 { datasets, jobId, evals }. A bad zip is refused with 400 "
                + "naming each problem, and nothing is stored")
            .WithMetadata(new RequestSizeLimitAttribute(BundleInspector.MaxTotalBytes))
            .RequireWorkspaceRole(WorkspaceRole.Member);
        return app;
    }

    public static async Task<FileStreamHttpResult> ExportJob(string id, ClaimsPrincipal user, [AsParameters] BundleServices services, CancellationToken cancellationToken)
    {
        var job = (await services.Jobs.GetAsync(id))!;
        var zip = await services.Exporter.ExportJobAsync(job, cancellationToken);
        await services.Audit.RecordAsync(job.WorkspaceId, user, AuditAction.BundleExported, "job", job.Id, job.AuditName(), $"{zip.Length} bytes");
        return TypedResults.File(zip, "application/zip", $"{job.Id}.bundle.zip");
    }

    public static async Task<FileStreamHttpResult> ExportDataset(
        string id, ClaimsPrincipal user, [AsParameters] BundleServices services, CancellationToken cancellationToken)
    {
        var dataset = (await services.Datasets.GetAsync(id))!;
        var zip = await services.Exporter.ExportDatasetAsync(dataset, cancellationToken);
        await services.Audit.RecordAsync(dataset.WorkspaceId, user, AuditAction.BundleExported, "dataset", dataset.Id, dataset.Name, $"{zip.Length} bytes");
        var stem = dataset.Name.EndsWith(".jsonl", StringComparison.OrdinalIgnoreCase) ? dataset.Name[..^".jsonl".Length] : dataset.Name;
        return TypedResults.File(zip, "application/zip", $"{stem}.bundle.zip");
    }

    public static async Task<Results<Created<BundleImportResult>, ProblemHttpResult>> ImportBundle(
        HttpRequest request, ClaimsPrincipal user, WorkspaceScope workspace, [AsParameters] BundleServices services, CancellationToken cancellationToken)
    {
        switch (await services.Importer.ImportAsync(request.Body, workspace.Id, user.UserId(), cancellationToken))
        {
            case BundleImportOutcome.Refused refused:
                return ApiProblems.BadRequest("The bundle cannot be imported", new Dictionary<string, string[]> { ["bundle"] = [.. refused.Problems] });
            case BundleImportOutcome.Imported { Result: var result }:
                await services.Audit.RecordAsync(workspace.Id, user, AuditAction.BundleImported, result.JobId is null ? "dataset" : "job",
                    result.JobId ?? result.Datasets[0].Id, null,
                    $"{result.Datasets.Count} dataset(s) ({string.Join(", ", result.Datasets.Select(d => d.Id))}), {result.Evals.Count} eval(s)");
                var location = result.JobId is { } jobId ? $"/api/jobs/{jobId}" : $"/api/datasets/{result.Datasets[0].Id}";
                return TypedResults.Created(location, result);
            case var outcome:
                throw new System.Diagnostics.UnreachableException($"No answer for {outcome}.");
        }
    }
}

// The bundle routes' dependencies.
public sealed record BundleServices(JobStore Jobs, DatasetStore Datasets, BundleExporter Exporter, BundleImporter Importer, AuditLog Audit);
