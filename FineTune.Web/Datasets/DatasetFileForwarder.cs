using FineTune.Web.Account;
using FineTune.Web.Api;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Net.Http.Headers;
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Transforms;
using Yarp.ReverseProxy.Transforms.Builder;

namespace FineTune.Web.Datasets;

// Dataset files go between the browser and the Api over plain HTTP, not through the Blazor circuit:
// the browser posts the file here (with upload progress events) and YARP streams the body on to the Api
// with the signed-in user's token; downloads stream the other way. Nothing is buffered, nothing retried.
public static class DatasetFileForwarder
{
    public const string UploadPath = "/upload/datasets";
    public const string DownloadPathPrefix = "/download/datasets/";

    // A header a cross-site form cannot send, so a forged post never reaches the Api (the cookie is SameSite=Lax too).
    public const string UploadHeader = "X-FineTune-Upload";

    // Resolved through Aspire service discovery, like the Api client's.
    public const string Api = "http://api";

    // The Api's own limit (OpenAI's 512 MB) plus room for a multipart envelope.
    private const long MaxUploadBytes = 512L * 1024 * 1024 + 4 * 1024 * 1024;

    // The Api may take a while to answer once a large file is in; the request ends when the browser goes away.
    public static readonly ForwarderRequestConfig NoIdleTimeout = new() { ActivityTimeout = Timeout.InfiniteTimeSpan };

    public static void AddDatasetFiles(this IHostApplicationBuilder builder) =>
        builder.Services.AddHttpForwarderWithServiceDiscovery();

    public static IEndpointRouteBuilder MapDatasetFiles(this IEndpointRouteBuilder app)
    {
        app.MapForwarder(UploadPath, Api, NoIdleTimeout, transforms =>
            {
                transforms.AddRequestTransform(context =>
                {
                    if (RefusedWithoutUploadHeader(context)) return ValueTask.CompletedTask;
                    context.Path = "/api/datasets";
                    // Only the dataset's name, the model and method to check it for and the format it is in go on.
                    KeepQuery(context, "name", "model", "method", "format");
                    return ValueTask.CompletedTask;
                });
                transforms.AsSignedInUser();
            })
            .WithMetadata(new HttpMethodMetadata([HttpMethods.Post]))
            .WithMetadata(new RequestSizeLimitAttribute(MaxUploadBytes))
            .RequireAuthorization();

        app.MapApiDownload(DownloadPathPrefix + "{id}", "/api/datasets/{id}/content");
        app.MapApiDownload(DownloadPathPrefix + "{id}/export", "/api/datasets/{id}/export", "format");
        return app;
    }

    // A GET of the Web at `path` streamed from the Api's `apiPath` (with the route values of path) as the signed-in user,
    // passing on only the query keys named.
    public static void MapApiDownload(this IEndpointRouteBuilder app, string path, string apiPath, params string[] keptQueryKeys) =>
        app.MapForwarder(path, Api, NoIdleTimeout, transforms =>
            {
                transforms.AddPathRouteValues(apiPath);
                transforms.AddRequestTransform(context =>
                {
                    KeepQuery(context, keptQueryKeys);
                    return ValueTask.CompletedTask;
                });
                transforms.AsSignedInUser();
            })
            .WithMetadata(new HttpMethodMetadata([HttpMethods.Get]))
            .RequireAuthorization();

    private static void KeepQuery(RequestTransformContext context, params string[] keys)
    {
        foreach (var (key, value) in context.Query.Collection.ToList())
        {
            if (!keys.Contains(key) || string.IsNullOrEmpty(value)) context.Query.Collection.Remove(key);
        }
    }


    public static string DownloadPath(string datasetId) => DownloadPathPrefix + Uri.EscapeDataString(datasetId);

    public static string ExportPath(string datasetId, DatasetFormat format) =>
        $"{DownloadPathPrefix}{Uri.EscapeDataString(datasetId)}/export?format={DatasetFormats.NameOf(format)}";

    // A post without the upload header came from somewhere else than the console's script: answered 400 here (a response
    // set in a request transform is sent instead of forwarding).
    public static bool RefusedWithoutUploadHeader(RequestTransformContext context)
    {
        if (context.HttpContext.Request.Headers.ContainsKey(UploadHeader)) return false;
        context.HttpContext.Response.StatusCode = StatusCodes.Status400BadRequest;
        return true;
    }

    // The Api sees the signed-in user's token and workspace, and the file: not the browser's cookies or other headers.
    public static void AsSignedInUser(this TransformBuilderContext transforms)
    {
        transforms.UseDefaultForwarders = false;
        transforms.AddRequestHeadersAllowed(HeaderNames.ContentType, HeaderNames.ContentLength);
        transforms.AddRequestTransform(context =>
        {
            var user = context.HttpContext.User;
            context.ProxyRequest.Headers.Authorization = new("Bearer", user.FindApiToken());
            // An upload lands in the user's current workspace (a download's dataset names its own).
            if (user.FindWorkspaceId() is { } workspaceId)
            {
                context.ProxyRequest.Headers.Add(FineTuneApiClient.WorkspaceHeader, workspaceId);
            }
            return ValueTask.CompletedTask;
        });
        transforms.AddResponseTransform(async context =>
        {
            // No answer at all: say what to do rather than leave the browser an empty 502.
            if (context.ProxyResponse is null && context.HttpContext.Response.StatusCode is StatusCodes.Status502BadGateway or StatusCodes.Status504GatewayTimeout)
            {
                await Results.Problem(
                    title: "The FineTune Api cannot be reached",
                    detail: "Make sure it is running (dotnet run --project FineTune.AppHost starts everything), then try again.",
                    statusCode: context.HttpContext.Response.StatusCode).ExecuteAsync(context.HttpContext);
            }
        });
    }
}
