using FineTune.LocalProvider.OpenAI;
using Microsoft.AspNetCore.Http.HttpResults;

namespace FineTune.LocalProvider.Files;

public static class FilesApi
{
    private static readonly HashSet<string> UploadPurposes = ["fine-tune", "assistants", "batch", "vision", "user_data", "evals"];

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
        HttpRequest request, FileStore files, CancellationToken cancellationToken)
    {
        if (!request.HasFormContentType)
            return OpenAIErrors.BadRequest("Expected a multipart/form-data body with the fields 'file' and 'purpose'.");
        var form = await request.ReadFormAsync(cancellationToken);
        var upload = form.Files.GetFile("file");
        if (upload is null)
            return OpenAIErrors.BadRequest("Missing required parameter: 'file'.", "file", "missing_required_parameter");
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
        var page = ListPage<StoredFile>.Create(ordered.ToList(), file => file.Id, after, limit ?? 10_000);
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

    private static JsonHttpResult<OpenAIErrorBody> FileNotFound(string fileId) =>
        OpenAIErrors.NotFound($"No such File object: {fileId}", "id", "file_not_found");
}
