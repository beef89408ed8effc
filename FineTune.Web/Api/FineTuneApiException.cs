using System.Net;

namespace FineTune.Web.Api;

// Every failure of an Api call, as one type the pages can show: either the Api answered with an error
// (StatusCode set, Problem details from its ProblemDetails body) or it could not be reached at all.
public sealed class FineTuneApiException : Exception
{
    public FineTuneApiException(HttpStatusCode statusCode, string message, IReadOnlyDictionary<string, string[]>? errors = null)
        : base(message)
    {
        StatusCode = statusCode;
        Errors = errors ?? new Dictionary<string, string[]>();
    }

    public FineTuneApiException(string message, Exception innerException) : base(message, innerException)
    {
        Errors = new Dictionary<string, string[]>();
    }

    public HttpStatusCode? StatusCode { get; }

    public IReadOnlyDictionary<string, string[]> Errors { get; }

    // What the Api's ProblemDetails said (its detail, else its title); null when it sent none.
    public string? ProblemDetail { get; init; }

    // The ProblemDetails title ("A workspace needs an owner"), when the Api sent one.
    public string? ProblemTitle { get; init; }

    public bool IsUnauthorized => StatusCode is HttpStatusCode.Unauthorized;

    public bool IsNotFound => StatusCode is HttpStatusCode.NotFound or HttpStatusCode.Forbidden;

    public bool IsUnreachable => StatusCode is null;

    // What to tell the user, including what they can do about it.
    public string UserMessage => StatusCode switch
    {
        null => "The FineTune Api cannot be reached. Make sure it is running (dotnet run --project FineTune.AppHost starts everything), then reload this page.",
        HttpStatusCode.Unauthorized => "The Api no longer accepts your token. Log out and log in again with a valid token.",
        // The Api names the role it takes ("This needs the member role in the workspace; you are a viewer.").
        HttpStatusCode.Forbidden => $"{ProblemDetail ?? "You are not allowed to do this."} Ask an owner of the workspace for access.",
        HttpStatusCode.NotFound => "Not found. It may have been deleted, or it belongs to another workspace.",
        >= HttpStatusCode.InternalServerError => $"The Api failed ({(int)StatusCode}): {Message}. Try again; if it keeps failing, check the Api's logs in the Aspire dashboard.",
        _ => Message,
    };
}
