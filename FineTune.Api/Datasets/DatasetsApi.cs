using System.Security.Claims;
using System.Text.Encodings.Web;
using System.Text.Json;
using FineTune.Api.Accounts;
using FineTune.Api.Audit;
using FineTune.Api.Workspaces;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;

namespace FineTune.Api.Datasets;

public static class DatasetsApi
{
    // OpenAI's own limit for a fine-tuning file.
    public const long MaxDatasetBytes = 512L * 1024 * 1024;

    // Room for the multipart boundaries and part headers around a file of the largest size.
    private const long UploadOverheadBytes = 4 * 1024 * 1024;

    // One edited example: far above any context limit, far below anything worth streaming.
    public const int MaxExampleBytes = 16 * 1024 * 1024;

    public const int DefaultPageSize = 50;
    public const int MaxPageSize = 500;

    public static IEndpointRouteBuilder MapDatasetsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/datasets").WithTags("Datasets").RequireAuthorization();

        api.MapPost("/validate", ValidateDataset)
            .WithName("ValidateDataset")
            .WithSummary("Check a JSONL dataset (raw body or multipart field 'file') against a model and a method (assumed when not given) "
                + "and return the report; stores nothing")
            .WithMetadata(new RequestSizeLimitAttribute(MaxDatasetBytes + UploadOverheadBytes))
            .RequireWorkspaceRole(WorkspaceRole.Viewer);
        api.MapPost("/", CreateDataset)
            .WithName("CreateDataset")
            .WithSummary("Store a dataset version (raw body or multipart field 'file') with its report, checked for the method given or assumed; "
                + "?format=trl|sharegpt|alpaca converts it to OpenAI's chat JSONL first; detect does when its first example is in one of those; default openai")
            .WithMetadata(new RequestSizeLimitAttribute(MaxDatasetBytes + UploadOverheadBytes))
            .RequireWorkspaceRole(WorkspaceRole.Member);
        api.MapGet("/", ListDatasets).WithName("ListDatasets")
            .WithSummary("The workspace's datasets, newest first: limit (default 10,000), after (a dataset id: the datasets older than it). "
                + "Each report without its problem lists and token histogram (GET /api/datasets/{id} has them); their counts are in stats")
            .RequireWorkspaceRole(WorkspaceRole.Viewer);
        api.MapGet("/models", ListModels).WithName("ListDatasetModels").WithSummary("The models a dataset can be checked against: context limit and training price")
            .RequireWorkspaceRole(WorkspaceRole.Viewer);
        api.MapGet("/{id}", GetDataset).WithName("GetDataset").WithSummary("A dataset and its report")
            .RequireDatasetRole(WorkspaceRole.Viewer);
        api.MapGet("/{id}/content", GetDatasetContent).WithName("GetDatasetContent").WithSummary("The dataset file as stored (JSONL), streamed")
            .RequireDatasetRole(WorkspaceRole.Viewer);
        api.MapGet("/{id}/export", ExportDataset)
            .WithName("ExportDataset")
            .WithSummary("The dataset as ?format=openai (as stored), trl, sharegpt or alpaca, streamed; lines the format cannot hold are left out")
            .RequireDatasetRole(WorkspaceRole.Viewer);
        api.MapGet("/{id}/export/report", GetExportReport)
            .WithName("GetDatasetExportReport")
            .WithSummary("What an export as ?format=... writes: how many lines, and each line the format cannot hold with the reason")
            .RequireDatasetRole(WorkspaceRole.Viewer);
        api.MapPost("/{id}/validate", ValidateStoredDataset)
            .WithName("ValidateStoredDataset")
            .WithSummary("Check a stored dataset again, against another model (context limit, price) or method; stores nothing")
            .RequireDatasetRole(WorkspaceRole.Viewer);
        api.MapGet("/{id}/examples", GetDatasetExamples)
            .WithName("GetDatasetExamples")
            .WithSummary("A page of lines (examples) with their 1-based line numbers: lines offset+1 .. offset+limit")
            .RequireDatasetRole(WorkspaceRole.Viewer);
        api.MapPut("/{id}/examples/{line:int}", ReplaceDatasetExample)
            .WithName("ReplaceDatasetExample")
            .WithSummary("Replace one example (body: its JSON); stores and returns a new version, checked again; the original stays")
            .WithMetadata(new RequestSizeLimitAttribute(MaxExampleBytes))
            .RequireDatasetRole(WorkspaceRole.Member);
        api.MapPost("/{id}/split", SplitDataset)
            .WithName("SplitDataset")
            .WithSummary("Split into two new datasets, training and validation, at random but the same for the same seed")
            .RequireDatasetRole(WorkspaceRole.Member);
        api.MapDelete("/{id}", DeleteDataset)
            .WithName("DeleteDataset")
            .WithSummary("Remove a dataset version from the workspace; jobs made from it keep their provider files")
            .RequireDatasetRole(WorkspaceRole.Member);
        return app;
    }

    public static async Task<Results<Ok<DatasetReport>, ProblemHttpResult>> ValidateDataset(
        HttpRequest request, [FromQuery] string? model, [FromQuery] string? method, [AsParameters] DatasetServices services,
        CancellationToken cancellationToken)
    {
        if ((UnknownModel(services.Versions.Catalog, model) ?? UnknownMethod(method)) is { } unknown) return unknown;
        var upload = await OpenUploadAsync(request, cancellationToken);
        if (upload is null) return NoFile();
        return TypedResults.Ok(await services.Versions.ValidateAsync(upload.Content, model, method, cancellationToken));
    }

    // A dataset route's workspace is the dataset's own.
    private static RouteHandlerBuilder RequireDatasetRole(this RouteHandlerBuilder builder, WorkspaceRole role) =>
        builder.RequireRoleOn<DatasetStore>(role, "id", (datasets, id) => datasets.WorkspaceOfAsync(id));

    public static async Task<Results<Created<DatasetRecord>, ProblemHttpResult>> CreateDataset(
        HttpRequest request, [FromQuery] string? name, [FromQuery] string? model, [FromQuery] string? method, [FromQuery] string? format,
        ClaimsPrincipal user, WorkspaceScope workspace, [AsParameters] DatasetServices services, CancellationToken cancellationToken)
    {
        if ((UnknownModel(services.Versions.Catalog, model) ?? UnknownMethod(method)) is { } unknown) return unknown;
        var detect = string.Equals(format, DatasetFormats.Detect, StringComparison.OrdinalIgnoreCase);
        DatasetFormat? from = format is null || detect ? null : DatasetFormats.Parse(format);
        if (format is not null && !detect && from is null) return UnknownFormat(format);
        var upload = await OpenUploadAsync(request, cancellationToken);
        if (upload is null) return NoFile();

        // Detected as OpenAI's (or as nothing), the file is stored exactly as sent, so the checker sees every line of it.
        var content = upload.Content;
        if (detect) (from, content) = await FormatDetection.DetectAsync(content, cancellationToken);
        var fileName = name ?? upload.FileName ?? "dataset.jsonl";
        var dataset = from is null or DatasetFormat.OpenAI
            ? await services.Versions.CreateAsync(content, fileName, workspace.Id, user.UserId(), model, method, provenance: null, cancellationToken)
            : await services.Versions.ImportAsync(content, from.Value, detect, fileName, workspace.Id, user.UserId(), model, method, cancellationToken);
        var imported = dataset.Import is { } import ? $", imported from {import.From ?? "no known format"} ({import.Skipped} lines left out)" : "";
        await services.Audit.RecordAsync(workspace.Id, user, AuditAction.DatasetCreated, "dataset", dataset.Id, dataset.Name,
            $"{dataset.Status}, {dataset.Report.ExampleCount} examples, {dataset.Bytes} bytes{imported}");
        return TypedResults.Created($"/api/datasets/{dataset.Id}", dataset);
    }

    public static async Task<Results<FileStreamHttpResult, PushStreamHttpResult, NotFound, ProblemHttpResult>> ExportDataset(
        string id, [FromQuery] string? format, ClaimsPrincipal user, [AsParameters] DatasetServices services, CancellationToken cancellationToken)
    {
        if (DatasetFormats.Parse(format) is not { } target) return UnknownFormat(format);
        if (await services.Datasets.GetAsync(id) is not { } dataset) return TypedResults.NotFound();

        await services.Audit.RecordAsync(dataset.WorkspaceId, user, AuditAction.DatasetExported, "dataset", dataset.Id, dataset.Name,
            $"version {dataset.Version} as {DatasetFormats.NameOf(target)}");
        var fileName = DatasetExports.FileName(dataset, target);
        if (target == DatasetFormat.OpenAI)
            return TypedResults.File(services.Blobs.OpenRead(dataset.Sha256), "application/jsonl", fileName, enableRangeProcessing: true);
        return TypedResults.Stream(
            body => services.Exports.WriteAsync(dataset, target, body, cancellationToken), "application/jsonl", fileName);
    }

    public static async Task<Results<Ok<FormatConversionReport>, NotFound, ProblemHttpResult>> GetExportReport(
        string id, [FromQuery] string? format, [AsParameters] DatasetServices services, CancellationToken cancellationToken)
    {
        if (DatasetFormats.Parse(format) is not { } target) return UnknownFormat(format);
        if (await services.Datasets.GetAsync(id) is not { } dataset) return TypedResults.NotFound();
        return TypedResults.Ok(await services.Exports.ReportAsync(dataset, target, cancellationToken));
    }

    public static async Task<Ok<IReadOnlyList<DatasetRecord>>> ListDatasets(
        WorkspaceScope workspace, [FromQuery] int? limit, [FromQuery] string? after, [AsParameters] DatasetServices services) =>
        TypedResults.Ok<IReadOnlyList<DatasetRecord>>(
            [.. (await services.Datasets.ListAsync(workspace.Id, Math.Clamp(limit ?? 10_000, 1, 50_000), after)).Select(dataset => dataset.Summary())]);

    public static async Task<Results<NoContent, NotFound>> DeleteDataset(string id, ClaimsPrincipal user, [AsParameters] DatasetServices services)
    {
        if (await services.Datasets.GetAsync(id) is not { } dataset || !await services.Datasets.DeleteAsync(id)) return TypedResults.NotFound();
        await services.Audit.RecordAsync(dataset.WorkspaceId, user, AuditAction.DatasetDeleted, "dataset", dataset.Id, dataset.Name, $"version {dataset.Version}");
        return TypedResults.NoContent();
    }

    public static Ok<IReadOnlyList<DatasetModel>> ListModels([AsParameters] DatasetServices services) =>
        TypedResults.Ok<IReadOnlyList<DatasetModel>>(services.Versions.Catalog.Models
            .Select(m => new DatasetModel(m.Provider, m.Name, m.ContextTokens, m.TrainingPricePerMillionTokens))
            .ToList());

    public static async Task<Results<Ok<DatasetRecord>, NotFound>> GetDataset(string id, [AsParameters] DatasetServices services) =>
        await services.Datasets.GetAsync(id) is { } dataset ? TypedResults.Ok(dataset) : TypedResults.NotFound();

    public static async Task<Results<FileStreamHttpResult, NotFound>> GetDatasetContent(string id, [AsParameters] DatasetServices services)
    {
        if (await services.Datasets.GetAsync(id) is not { } dataset) return TypedResults.NotFound();
        var fileName = dataset.Name.EndsWith(".jsonl", StringComparison.OrdinalIgnoreCase) ? dataset.Name : dataset.Name + ".jsonl";
        return TypedResults.File(services.Blobs.OpenRead(dataset.Sha256), "application/jsonl", fileName, enableRangeProcessing: true);
    }

    public static async Task<Results<Ok<DatasetReport>, NotFound, ProblemHttpResult>> ValidateStoredDataset(
        string id, [FromQuery] string? model, [FromQuery] string? method, [AsParameters] DatasetServices services, CancellationToken cancellationToken)
    {
        if ((UnknownModel(services.Versions.Catalog, model) ?? UnknownMethod(method)) is { } unknown) return unknown;
        if (await services.Datasets.GetAsync(id) is not { } dataset) return TypedResults.NotFound();
        return TypedResults.Ok(await services.Versions.CheckAsync(dataset, model, method, cancellationToken));
    }

    public static async Task<Results<Ok<DatasetExamplePage>, NotFound, ProblemHttpResult>> GetDatasetExamples(
        string id, [FromQuery] int? offset, [FromQuery] int? limit, [AsParameters] DatasetServices services, CancellationToken cancellationToken)
    {
        var skip = offset ?? 0;
        var take = limit ?? DefaultPageSize;
        if (skip < 0 || take < 1 || take > MaxPageSize)
        {
            return ApiProblems.BadRequest("Bad page", $"offset must be 0 or more and limit between 1 and {MaxPageSize}.");
        }
        if (await services.Datasets.GetAsync(id) is not { } dataset) return TypedResults.NotFound();

        var index = await LineIndex.OpenAsync(services.Blobs, dataset.Sha256, cancellationToken);
        var lines = skip >= index.LineCount ? [] : await index.ReadLinesAsync(skip + 1, take, cancellationToken);
        return TypedResults.Ok(new DatasetExamplePage(
            dataset.Id, skip, take, index.LineCount, lines.Select(l => new DatasetExample(l.Line, l.Text)).ToList()));
    }

    public static async Task<Results<Created<DatasetRecord>, NotFound, ProblemHttpResult>> ReplaceDatasetExample(
        string id, int line, HttpRequest request, [FromQuery] string? model, ClaimsPrincipal user,
        [AsParameters] DatasetServices services, CancellationToken cancellationToken)
    {
        if (UnknownModel(services.Versions.Catalog, model) is { } unknown) return unknown;
        if (await services.Datasets.GetAsync(id) is not { } dataset) return TypedResults.NotFound();

        var index = await LineIndex.OpenAsync(services.Blobs, dataset.Sha256, cancellationToken);
        if (line < 1 || line > index.LineCount)
        {
            return ApiProblems.BadRequest("No such line", $"{dataset.Name} has lines 1 to {index.LineCount}; there is no line {line}.");
        }

        using var body = new MemoryStream();
        await request.Body.CopyToAsync(body, cancellationToken);
        var example = AsOneLine(body.GetBuffer().AsMemory(0, (int)body.Length), out var error);
        if (error is not null) return ApiProblems.BadRequest("The example is not valid JSON", error);

        var version = await services.Versions.ReplaceExampleAsync(dataset, index, line, example, user.UserId(), model, cancellationToken);
        await services.Audit.RecordAsync(version.WorkspaceId, user, AuditAction.DatasetEdited, "dataset", version.Id, version.Name,
            $"line {line} of {dataset.Id} replaced: version {version.Version}, {version.Status}");
        return TypedResults.Created($"/api/datasets/{version.Id}", version);
    }

    public static async Task<Results<Created<DatasetSplit>, NotFound, ProblemHttpResult>> SplitDataset(
        string id, SplitDatasetRequest split, [FromQuery] string? model, ClaimsPrincipal user,
        [AsParameters] DatasetServices services, CancellationToken cancellationToken)
    {
        if (UnknownModel(services.Versions.Catalog, model) is { } unknown) return unknown;
        if (!(split.ValidationRatio > 0 && split.ValidationRatio < 1))
        {
            return ApiProblems.BadRequest("Bad validation ratio", "validationRatio is the share of examples for validation: more than 0 and less than 1, for example 0.2.");
        }
        if (await services.Datasets.GetAsync(id) is not { } dataset) return TypedResults.NotFound();

        try
        {
            var parts = await services.Versions.SplitAsync(dataset, split.ValidationRatio, split.Seed ?? 0, user.UserId(), model, cancellationToken);
            await services.Audit.RecordAsync(dataset.WorkspaceId, user, AuditAction.DatasetSplit, "dataset", dataset.Id, dataset.Name,
                $"into {parts.Training.Id} (training, {parts.Training.Report.ExampleCount} examples) and {parts.Validation.Id} "
                + $"(validation, {parts.Validation.Report.ExampleCount} examples), ratio {parts.ValidationRatio}, seed {parts.Seed}");
            return TypedResults.Created($"/api/datasets/{parts.Training.Id}", parts);
        }
        catch (DatasetEditException e)
        {
            return ApiProblems.BadRequest("The dataset cannot be split", e.Message);
        }
    }

    private static ProblemHttpResult? UnknownModel(ModelCatalog catalog, string? model) =>
        model is null || catalog.Find(model) is not null
            ? null
            : ApiProblems.BadRequest("Unknown model",
                $"\"{model}\" is not in the model table; known models: {string.Join(", ", catalog.Models.Select(m => m.Name))}. "
                + "Models are configured under FineTune:Models.");

    private static ProblemHttpResult UnknownFormat(string? format) => ApiProblems.BadRequest("Unknown format",
        format is null ? $"Say which format: ?format= one of {string.Join(", ", DatasetFormats.All.Select(DatasetFormats.NameOf))}." : DatasetFormats.UnknownMessage(format));

    private static ProblemHttpResult? UnknownMethod(string? method) =>
        method is null || TrainingMethods.IsKnown(method) ? null : ApiProblems.BadRequest("Unknown method", TrainingMethods.UnknownMessage(method));

    // The example as one line of JSON: as sent when it already is one line, compacted when it spans several.
    private static ReadOnlyMemory<byte> AsOneLine(ReadOnlyMemory<byte> body, out string? error)
    {
        error = null;
        try
        {
            using var document = JsonDocument.Parse(body);
            if (body.Span.IndexOfAny((byte)'\n', (byte)'\r') < 0) return body;

            var compact = new System.Buffers.ArrayBufferWriter<byte>(body.Length);
            using (var writer = new Utf8JsonWriter(compact, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
            {
                document.WriteTo(writer);
            }
            return compact.WrittenMemory;
        }
        catch (JsonException e)
        {
            error = $"{e.Message} Send the example as one JSON object, as it would appear on its line.";
            return default;
        }
    }

    private static ProblemHttpResult NoFile() => ApiProblems.BadRequest(
        "No dataset in the request", "Send the JSONL as the request body, or as the multipart form field 'file'.");

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
        var reader = new MultipartReader(boundary, request.Body) { BodyLengthLimit = MaxDatasetBytes + UploadOverheadBytes };
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

// The dataset routes' dependencies.
public sealed record DatasetServices(
    DatasetStore Datasets,
    BlobStore Blobs,
    DatasetVersions Versions,
    DatasetExports Exports,
    AuditLog Audit);
