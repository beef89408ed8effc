using Microsoft.AspNetCore.Http.HttpResults;

namespace FineTune.LocalProvider.OpenAI;

public sealed record OpenAIError(string Message, string Type, string? Param, string? Code);

public sealed record OpenAIErrorBody(OpenAIError Error);

// OpenAI's error envelope, so that SDKs raise their usual exceptions with the usual messages.
public static class OpenAIErrors
{
    public static JsonHttpResult<OpenAIErrorBody> BadRequest(string message, string? param = null, string? code = null) =>
        Create(StatusCodes.Status400BadRequest, message, param, code);

    public static JsonHttpResult<OpenAIErrorBody> NotFound(string message, string? param = null, string? code = null) =>
        Create(StatusCodes.Status404NotFound, message, param, code);

    public static JsonHttpResult<OpenAIErrorBody> Create(int statusCode, string message, string? param, string? code, string type = "invalid_request_error") =>
        TypedResults.Json(new OpenAIErrorBody(new OpenAIError(message, type, param, code)), statusCode: statusCode);
}
