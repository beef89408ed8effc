using System.Net.Http.Headers;
using FineTune.Web.Account;
using FineTune.Web.Api;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Http.Resilience;

namespace FineTune.Web.Datasets;

// Dataset files go between the browser and the Api over plain HTTP, not through the Blazor circuit:
// the browser posts the file here (with upload progress events), and this streams the request body
// to the Api with the signed-in user's token; downloads stream the other way. Nothing is buffered.
public static class DatasetFileEndpoints
{
    public const string UploadPath = "/upload/datasets";
    public const string DownloadPathPrefix = "/download/datasets/";

    // A header a cross-site form cannot send, so a forged post never reaches the Api (the cookie is SameSite=Lax too).
    public const string UploadHeader = "X-FineTune-Upload";

    private const string HttpClientName = "api-files";

    // The Api's own limit (OpenAI's 512 MB) plus room for a multipart envelope.
    private const long MaxUploadBytes = 512L * 1024 * 1024 + 4 * 1024 * 1024;

    public static void AddDatasetFiles(this IHostApplicationBuilder builder)
    {
#pragma warning disable EXTEXP0001
        // A 500 MB file takes longer than any resilience timeout, and an upload must never be retried:
        // no resilience handler, and the request ends when the browser goes away.
        builder.Services.AddHttpClient(HttpClientName, client =>
            {
                client.BaseAddress = new Uri("http://api");
                client.Timeout = Timeout.InfiniteTimeSpan;
            })
            .RemoveAllResilienceHandlers();
#pragma warning restore EXTEXP0001
    }

    public static IEndpointRouteBuilder MapDatasetFiles(this IEndpointRouteBuilder app)
    {
        app.MapPost(UploadPath, UploadAsync)
            .RequireAuthorization()
            .DisableAntiforgery()
            .WithMetadata(new RequestSizeLimitAttribute(MaxUploadBytes))
            .ExcludeFromDescription();
        app.MapGet(DownloadPathPrefix + "{id}", DownloadAsync)
            .RequireAuthorization()
            .ExcludeFromDescription();
        return app;
    }

    public static string DownloadPath(string datasetId) => DownloadPathPrefix + Uri.EscapeDataString(datasetId);

    private static async Task UploadAsync(HttpContext context, IHttpClientFactory clients, [FromQuery] string? name, [FromQuery] string? model)
    {
        if (!context.Request.Headers.ContainsKey(UploadHeader))
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            return;
        }

        var query = QueryString.Empty;
        if (!string.IsNullOrEmpty(name)) query = query.Add("name", name);
        if (!string.IsNullOrEmpty(model)) query = query.Add("model", model);
        using var request = new HttpRequestMessage(HttpMethod.Post, "api/datasets" + query)
        {
            Content = new StreamContent(context.Request.Body, 81920),
        };
        request.Content.Headers.ContentType = MediaTypeHeaderValue.TryParse(context.Request.ContentType, out var type)
            ? type
            : new MediaTypeHeaderValue("application/octet-stream");
        request.Content.Headers.ContentLength = context.Request.ContentLength;
        await ForwardAsync(context, clients, request);
    }

    private static async Task DownloadAsync(HttpContext context, IHttpClientFactory clients, string id)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"api/datasets/{Uri.EscapeDataString(id)}/content");
        await ForwardAsync(context, clients, request);
    }

    private static async Task ForwardAsync(HttpContext context, IHttpClientFactory clients, HttpRequestMessage request)
    {
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", context.User.FindFirst(FineTuneClaims.ApiToken)?.Value);
        // An upload lands in the user's current workspace (a download's dataset names its own).
        if (context.User.FindFirst(FineTuneClaims.WorkspaceId)?.Value is { } workspaceId)
        {
            request.Headers.Add(FineTuneApiClient.WorkspaceHeader, workspaceId);
        }
        HttpResponseMessage response;
        try
        {
            response = await clients.CreateClient(HttpClientName).SendAsync(request, HttpCompletionOption.ResponseHeadersRead, context.RequestAborted);
        }
        catch (HttpRequestException)
        {
            await Results.Problem(
                title: "The FineTune Api cannot be reached",
                detail: "Make sure it is running (dotnet run --project FineTune.AppHost starts everything), then try again.",
                statusCode: StatusCodes.Status502BadGateway).ExecuteAsync(context);
            return;
        }

        using (response)
        {
            context.Response.StatusCode = (int)response.StatusCode;
            var headers = response.Content.Headers;
            if (headers.ContentType is { } contentType) context.Response.ContentType = contentType.ToString();
            if (headers.ContentLength is { } length) context.Response.ContentLength = length;
            if (headers.ContentDisposition is { } disposition) context.Response.Headers.ContentDisposition = disposition.ToString();
            if (response.Headers.Location is { } location) context.Response.Headers.Location = location.ToString();
            await response.Content.CopyToAsync(context.Response.Body, context.RequestAborted);
        }
    }
}
