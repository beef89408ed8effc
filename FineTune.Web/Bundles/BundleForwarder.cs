using FineTune.Web.Datasets;
using Microsoft.AspNetCore.Mvc;
using Yarp.ReverseProxy.Transforms;

namespace FineTune.Web.Bundles;

// Bundles go between the browser and the Api over plain HTTP, as dataset files do (DatasetFileForwarder): a job's or a
// dataset's bundle downloads straight from the Api, and a bundle to import is posted here and streamed on, with the
// signed-in user's token and workspace.
public static class BundleForwarder
{
    public const string UploadPath = "/upload/bundles";
    private const string DownloadPathPrefix = "/download/bundles/";

    // The Api's own limit for a bundle.
    public const long MaxUploadBytes = 1536L * 1024 * 1024;

    public static IEndpointRouteBuilder MapBundles(this IEndpointRouteBuilder app)
    {
        MapDownload(app, "jobs");
        MapDownload(app, "datasets");
        app.MapForwarder(UploadPath, DatasetFileForwarder.Api, DatasetFileForwarder.NoIdleTimeout, transforms =>
            {
                transforms.AddRequestTransform(context =>
                {
                    if (DatasetFileForwarder.RefusedWithoutUploadHeader(context)) return ValueTask.CompletedTask;
                    context.Path = "/api/bundles";
                    context.Query.Collection.Clear();
                    return ValueTask.CompletedTask;
                });
                transforms.AsSignedInUser();
            })
            .WithMetadata(new HttpMethodMetadata([HttpMethods.Post]))
            .WithMetadata(new RequestSizeLimitAttribute(MaxUploadBytes))
            .RequireAuthorization();
        return app;
    }

    // kind: jobs or datasets, as the Api's routes name them.
    public static string DownloadPath(string kind, string id) => $"{DownloadPathPrefix}{kind}/{Uri.EscapeDataString(id)}";

    private static void MapDownload(IEndpointRouteBuilder app, string kind) =>
        app.MapApiDownload($"{DownloadPathPrefix}{kind}/{{id}}", $"/api/{kind}/{{id}}/bundle");
}
