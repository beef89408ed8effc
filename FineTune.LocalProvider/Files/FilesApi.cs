using FineTune.LocalProvider.OpenAI;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace FineTune.LocalProvider.Files;

public static class FilesApi
{
    public static readonly IReadOnlySet<string> UploadPurposes = new HashSet<string>(["fine-tune", "assistants", "batch", "vision", "user_data", "evals"]);

    public static IEndpointRouteBuilder MapFilesApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapOpenAIGroup("v1/files", "Files");
        api.MapPost("", UploadFile).WithName("UploadFile").WithSummary("Upload a file (multipart: file, purpose)");
        api.MapGet("", ListFiles).WithName("ListFiles").WithSummary("List files");
        api.MapGet("{fileId}", GetFile).WithName("GetFile").WithSummary("Retrieve a file");
        api.MapGet("{fileId}/content", GetFileContent).WithName("GetFileContent").WithSummary("Download a file's content");
        api.MapDelete("{fileId}", DeleteFile).WithName("DeleteFile").WithSummary("Delete a file");
        return app;
    }

    public static async Task<Results<Ok<FileObject>, JsonHttpResult<OpenAIErrorBody>>> UploadFile(
        HttpRequest request, FileStore files, IOptions<LocalProviderOptions> options, CancellationToken cancellationToken)
    {
        if (!request.HasFormContentType)
            return OpenAIErrors.BadRequest("Expected a multipart/form-data body with the fields 'file' and 'purpose'.");
        var maxBytes = options.Value.MaxFileBytes;
        var form = await ReadLimitedFormAsync(request, maxBytes, cancellationToken);
        if (form is null) return FileTooLarge(maxBytes);
        var upload = form.Files.GetFile("file");
        if (upload is null)
            return OpenAIErrors.BadRequest("Missing required parameter: 'file'.", "file", "missing_required_parameter");
        if (upload.Length > maxBytes) return FileTooLarge(maxBytes);
        var purpose = form["purpose"].ToString();
        if (string.IsNullOrEmpty(purpose))
            return OpenAIErrors.BadRequest("Missing required parameter: 'purpose'.", "purpose", "missing_required_parameter");
        if (!UploadPurposes.Contains(purpose))
            return OpenAIErrors.BadRequest($"'{purpose}' is not one of {string.Join(", ", UploadPurposes.Select(p => $"'{p}'"))} - 'purpose'.", "purpose", "invalid_value");

        await using var content = upload.OpenReadStream();
        var file = await files.SaveAsync(content, Path.GetFileName(upload.FileName), purpose, cancellationToken);
        return TypedResults.Ok(file.ToObject());
    }

    public static Results<Ok<ListPage<FileObject>>, JsonHttpResult<OpenAIErrorBody>> ListFiles(
        FileStore files, string? purpose, int? limit, string? after, string? order)
    {
        if (limit is < 1 or > 10_000)
            return OpenAIErrors.BadRequest("limit must be between 1 and 10000.", "limit", "invalid_value");
        if (order is not (null or "asc" or "desc"))
            return OpenAIErrors.BadRequest("order must be 'asc' or 'desc'.", "order", "invalid_value");
        var matching = files.All().Where(file => purpose is null || file.Purpose == purpose);
        var ordered = order == "asc"
            ? matching.OrderBy(file => file.CreatedAt).ThenBy(file => file.Id, StringComparer.Ordinal)
            : matching.OrderByDescending(file => file.CreatedAt).ThenByDescending(file => file.Id, StringComparer.Ordinal);
        var page = ListPage.Create(ordered.ToList(), file => file.Id, after, limit ?? 10_000);
        return TypedResults.Ok(new ListPage<FileObject>(page.Data.Select(file => file.ToObject()).ToList(), page.FirstId, page.LastId, page.HasMore));
    }

    public static Results<Ok<FileObject>, JsonHttpResult<OpenAIErrorBody>> GetFile(string fileId, FileStore files) =>
        files.Find(fileId) is { } file ? TypedResults.Ok(file.ToObject()) : FileNotFound(fileId);

    public static Results<FileStreamHttpResult, JsonHttpResult<OpenAIErrorBody>> GetFileContent(string fileId, FileStore files) =>
        files.Find(fileId) is { } file
            ? TypedResults.File(files.OpenRead(file), "application/octet-stream", file.Filename)
            : FileNotFound(fileId);

    public static Results<Ok<DeletedObject>, JsonHttpResult<OpenAIErrorBody>> DeleteFile(string fileId, FileStore files) =>
        files.Delete(fileId) ? TypedResults.Ok(new DeletedObject(fileId, "file", true)) : FileNotFound(fileId);

    // Reads a multipart form whose file part may be up to maxBytes (Kestrel's and the form
    // reader's defaults are far lower); null when the body is larger than that.
    public static async Task<IFormCollection?> ReadLimitedFormAsync(HttpRequest request, long maxBytes, CancellationToken cancellationToken)
    {
        // Room for the other fields and the multipart boundaries around the file.
        var bodyLimit = maxBytes + 1024 * 1024;
        if (request.ContentLength > bodyLimit) return null;
        if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } sizeFeature)
            sizeFeature.MaxRequestBodySize = bodyLimit;
        request.HttpContext.Features.Set<IFormFeature>(new FormFeature(request, new FormOptions { MultipartBodyLengthLimit = bodyLimit }));
        try
        {
            return await request.ReadFormAsync(cancellationToken);
        }
        catch (Exception exception) when (exception is BadHttpRequestException or InvalidDataException)
        {
            return null;
        }
    }

    public static JsonHttpResult<OpenAIErrorBody> FileTooLarge(long maxBytes) =>
        OpenAIErrors.Create(StatusCodes.Status413RequestEntityTooLarge,
            $"File is too large: the maximum is {maxBytes / (1024 * 1024)} MB. Use the Uploads API (/v1/uploads) for bigger files.", "file", "file_too_large");

    private static JsonHttpResult<OpenAIErrorBody> FileNotFound(string fileId) =>
        OpenAIErrors.NotFound($"No such File object: {fileId}", "id", "file_not_found");
}
