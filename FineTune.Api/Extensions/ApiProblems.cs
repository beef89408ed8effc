using System.ClientModel;
using Microsoft.AspNetCore.Mvc;

namespace FineTune.Api.Extensions;

// The problem answers (RFC 9457 ProblemDetails) the route files give, built one way: a title that names
// what went wrong and a detail that says what to do about it.
public static class ApiProblems
{
    public static ProblemHttpResult BadRequest(string title, string detail) =>
        TypedResults.Problem(detail, title: title, statusCode: StatusCodes.Status400BadRequest);

    // One sentence per refused field in the detail, and the same sentences by field under "errors" for forms.
    public static ProblemHttpResult BadRequest(string title, IReadOnlyDictionary<string, string[]> errors) =>
        TypedResults.Problem(
            string.Join(" ", errors.Values.SelectMany(messages => messages)),
            title: title,
            statusCode: StatusCodes.Status400BadRequest,
            extensions: new Dictionary<string, object?> { ["errors"] = errors });

    public static Conflict<ProblemDetails> Conflict(string title, string detail) =>
        TypedResults.Conflict(Details(title, detail, StatusCodes.Status409Conflict));

    public static UnprocessableEntity<ProblemDetails> Unprocessable(string title, string detail) =>
        TypedResults.UnprocessableEntity(Details(title, detail, StatusCodes.Status422UnprocessableEntity));

    // One sentence per refused field in the detail, and the same sentences by field under "errors" for forms.
    public static UnprocessableEntity<ProblemDetails> Unprocessable(string title, IReadOnlyDictionary<string, string[]> errors)
    {
        var problem = Details(title, string.Join(" ", errors.Values.SelectMany(messages => messages)), StatusCodes.Status422UnprocessableEntity);
        problem.Extensions["errors"] = errors;
        return TypedResults.UnprocessableEntity(problem);
    }

    // The provider's own refusal (a 4xx) is passed on with its status; anything else is the provider failing (502).
    public static ProblemHttpResult Provider(ClientResultException e) =>
        TypedResults.Problem(
            title: "The fine-tuning provider refused the request",
            detail: e.Message,
            statusCode: e.Status is >= 400 and < 500 ? e.Status : StatusCodes.Status502BadGateway);

    private static ProblemDetails Details(string title, string detail, int status) => new()
    {
        Title = title,
        Detail = detail,
        Status = status,
    };
}
