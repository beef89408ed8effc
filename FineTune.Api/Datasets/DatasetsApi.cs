using System.Security.Claims;
using FineTune.Api.Auth;
using FineTune.Core.Datasets;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;

namespace FineTune.Api.Datasets;

public static class DatasetsApi
{
    // OpenAI's own limit for a fine-tuning file.
    public const long MaxDatasetBytes = 512L * 1024 * 1024;

    public static IEndpointRouteBuilder MapDatasetsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/datasets").WithTags("Datasets").RequireAuthorization();

        api.MapPost("/validate", ValidateDataset)
            .WithName("ValidateDataset")
            .WithSummary("Check a JSONL dataset (raw body or multipart field 'file') and return the report; stores nothing")
            .WithMetadata(new RequestSizeLimitAttribute(MaxDatasetBytes + 1024 * 1024));
        api.MapPost("/", CreateDataset)
            .WithName("CreateDataset")
            .WithSummary("Store a dataset version (raw body or multipart field 'file') with its report")
            .WithMetadata(new RequestSizeLimitAttribute(MaxDatasetBytes + 1024 * 1024));
        api.MapGet("/", ListDatasets).WithName("ListDatasets").WithSummary("All datasets, newest first");
        api.MapGet("/{id}", GetDataset).WithName("GetDataset").WithSummary("A dataset and its report");
        return app;
    }

    public static async Task<Results<Ok<DatasetReport>, BadRequest<ProblemDetails>>> ValidateDataset(
        HttpRequest request, CancellationToken cancellationToken)
    {
        var upload = await OpenUploadAsync(request, cancellationToken);
        if (upload is null) return TypedResults.BadRequest(NoFileProblem);
        return TypedResults.Ok(await DatasetValidator.ValidateAsync(upload.Content, cancellationToken));
    }

    public static async Task<Results<Created<DatasetRecord>, BadRequest<ProblemDetails>>> CreateDataset(
        HttpRequest request, [FromQuery] string? name, ClaimsPrincipal user,
        BlobStore blobs, DatasetStore datasets, TimeProvider time, CancellationToken cancellationToken)
    {
        var upload = await OpenUploadAsync(request, cancellationToken);
        if (upload is null) return TypedResults.BadRequest(NoFileProblem);

        var blob = await blobs.PutAsync(upload.Content, cancellationToken);
        DatasetReport report;
        await using (var stored = blobs.OpenRead(blob.Sha256))
        {
            report = await DatasetValidator.ValidateAsync(stored, cancellationToken);
        }

        var dataset = new DatasetRecord(
            Id: "ds_" + Guid.NewGuid().ToString("N")[..16],
            Name: name ?? upload.FileName ?? "dataset.jsonl",
            Status: report.Valid ? DatasetRecord.StatusValid : DatasetRecord.StatusInvalid,
            Sha256: blob.Sha256,
            Bytes: blob.Bytes,
            CreatedBy: user.UserId(),
            CreatedAt: time.GetUtcNow(),
            Report: report);
        await datasets.SaveAsync(dataset);
        return TypedResults.Created($"/api/datasets/{dataset.Id}", dataset);
    }

    public static async Task<Ok<IReadOnlyList<DatasetRecord>>> ListDatasets(DatasetStore datasets) =>
        TypedResults.Ok(await datasets.ListAsync());

    public static async Task<Results<Ok<DatasetRecord>, NotFound>> GetDataset(string id, DatasetStore datasets) =>
        await datasets.GetAsync(id) is { } dataset ? TypedResults.Ok(dataset) : TypedResults.NotFound();

    private static readonly ProblemDetails NoFileProblem = new()
    {
        Title = "No dataset in the request",
        Detail = "Send the JSONL as the request body, or as the multipart form field 'file'.",
        Status = StatusCodes.Status400BadRequest,
    };

    private sealed record Upload(Stream Content, string? FileName);

    // The body itself, or the 'file' part of a multipart form, as a stream: never buffered whole.
    private static async Task<Upload?> OpenUploadAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var mediaType)
            || !mediaType.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase))
        {
            return new Upload(request.Body, null);
        }

        var boundary = HeaderUtilities.RemoveQuotes(mediaType.Boundary).Value;
        if (string.IsNullOrEmpty(boundary)) return null;
        var reader = new MultipartReader(boundary, request.Body);
        while (await reader.ReadNextSectionAsync(cancellationToken) is { } section)
        {
            if (ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition)
                && HeaderUtilities.RemoveQuotes(disposition.Name).Equals("file", StringComparison.Ordinal))
            {
                return new Upload(section.Body, HeaderUtilities.RemoveQuotes(disposition.FileName).Value);
            }
        }
        return null;
    }
}
