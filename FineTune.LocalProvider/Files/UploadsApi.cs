using System.Text.Json;
using FineTune.LocalProvider.OpenAI;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace FineTune.LocalProvider.Files;

// OpenAI's Uploads API: a file sent in parts (for files over /v1/files' limit), assembled on complete.
public static class UploadsApi
{
    public static IEndpointRouteBuilder MapUploadsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapOpenAIGroup("v1/uploads", "Uploads");
        api.MapPost("", CreateUpload).WithName("CreateUpload").WithSummary("Start an upload: { filename, purpose, bytes, mime_type }");
        api.MapPost("{uploadId}/parts", AddUploadPart).WithName("AddUploadPart").WithSummary("Add a part (multipart field 'data')");
        api.MapPost("{uploadId}/complete", CompleteUpload).WithName("CompleteUpload").WithSummary("Assemble the parts, in the order of part_ids, into a file");
        api.MapPost("{uploadId}/cancel", CancelUpload).WithName("CancelUpload").WithSummary("Cancel an upload");
        return app;
    }

    public static async Task<Results<Ok<UploadObject>, JsonHttpResult<OpenAIErrorBody>>> CreateUpload(
        HttpRequest request, UploadStore uploads, IOptions<LocalProviderOptions> options, CancellationToken cancellationToken)
    {
        if (await JsonBody.ReadObjectAsync(request, cancellationToken) is not { } body)
            return OpenAIErrors.BadRequest("We could not parse the JSON body of your request. The body must be a JSON object.");
        foreach (var name in new[] { "filename", "purpose", "mime_type" })
        {
            if (body.String(name) is null) return OpenAIErrors.BadRequest($"Missing required parameter: '{name}'.", name, "missing_required_parameter");
        }
        if (!body.TryGetProperty("bytes", out var bytesJson) || !bytesJson.TryGetInt64(out var bytes))
            return OpenAIErrors.BadRequest("Missing required parameter: 'bytes'.", "bytes", "missing_required_parameter");
        if (bytes < 1 || bytes > options.Value.MaxUploadBytes)
            return OpenAIErrors.BadRequest($"bytes must be between 1 and {options.Value.MaxUploadBytes}.", "bytes", "invalid_value");
        var purpose = body.String("purpose")!;
        if (!FilesApi.UploadPurposes.Contains(purpose))
            return OpenAIErrors.BadRequest($"'{purpose}' is not a valid purpose.", "purpose", "invalid_value");
        return TypedResults.Ok(uploads.Create(Path.GetFileName(body.String("filename")!), purpose, bytes));
    }

    public static async Task<Results<Ok<UploadPartObject>, JsonHttpResult<OpenAIErrorBody>>> AddUploadPart(
        string uploadId, HttpRequest request, UploadStore uploads, IOptions<LocalProviderOptions> options, CancellationToken cancellationToken)
    {
        if (uploads.Find(uploadId) is null) return UploadNotFound(uploadId);
        if (!request.HasFormContentType) return OpenAIErrors.BadRequest("Expected a multipart/form-data body with the field 'data'.");
        var form = await FilesApi.ReadLimitedFormAsync(request, options.Value.MaxUploadPartBytes, cancellationToken);
        if (form is null || form.Files.GetFile("data") is { Length: var length } && length > options.Value.MaxUploadPartBytes)
            return FilesApi.FileTooLarge(options.Value.MaxUploadPartBytes);
        if (form.Files.GetFile("data") is not { } data)
            return OpenAIErrors.BadRequest("Missing required parameter: 'data'.", "data", "missing_required_parameter");
        await using var content = data.OpenReadStream();
        var (part, error) = await uploads.AddPartAsync(uploadId, content, cancellationToken);
        return part is not null ? TypedResults.Ok(part) : error is not null ? OpenAIErrors.BadRequest(error, null, "invalid_upload_state") : UploadNotFound(uploadId);
    }

    public static async Task<Results<Ok<UploadObject>, JsonHttpResult<OpenAIErrorBody>>> CompleteUpload(
        string uploadId, HttpRequest request, UploadStore uploads, CancellationToken cancellationToken)
    {
        if (uploads.Find(uploadId) is null) return UploadNotFound(uploadId);
        if (await JsonBody.ReadObjectAsync(request, cancellationToken) is not { } body)
            return OpenAIErrors.BadRequest("We could not parse the JSON body of your request. The body must be a JSON object.");
        if (!body.TryGetProperty("part_ids", out var partIdsJson) || partIdsJson.ValueKind != JsonValueKind.Array
            || partIdsJson.EnumerateArray().Any(id => id.ValueKind != JsonValueKind.String))
            return OpenAIErrors.BadRequest("Missing required parameter: 'part_ids' (a list of part ids).", "part_ids", "missing_required_parameter");
        var partIds = partIdsJson.EnumerateArray().Select(id => id.GetString()!).ToList();
        var (upload, error) = await uploads.CompleteAsync(uploadId, partIds, cancellationToken);
        return upload is not null ? TypedResults.Ok(upload) : error is not null ? OpenAIErrors.BadRequest(error, "part_ids", "invalid_value") : UploadNotFound(uploadId);
    }

    public static Results<Ok<UploadObject>, JsonHttpResult<OpenAIErrorBody>> CancelUpload(string uploadId, UploadStore uploads)
    {
        var (upload, error) = uploads.Cancel(uploadId);
        return upload is not null ? TypedResults.Ok(upload) : error is not null ? OpenAIErrors.BadRequest(error, null, "invalid_upload_state") : UploadNotFound(uploadId);
    }

    private static JsonHttpResult<OpenAIErrorBody> UploadNotFound(string uploadId) =>
        OpenAIErrors.NotFound($"No such Upload object: {uploadId}", "upload_id", "upload_not_found");
}
