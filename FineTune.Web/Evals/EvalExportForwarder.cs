using FineTune.Web.Datasets;
using Yarp.ReverseProxy.Transforms;

namespace FineTune.Web.Evals;

// An eval's export downloads as a file straight from the Api, with the signed-in user's token, as a dataset's does.
public static class EvalExportForwarder
{
    private const string PathPrefix = "/download/evals/";

    public static IEndpointRouteBuilder MapEvalExports(this IEndpointRouteBuilder app)
    {
        app.MapForwarder(PathPrefix + "{id}", DatasetFileForwarder.Api, DatasetFileForwarder.NoIdleTimeout, transforms =>
            {
                transforms.AddPathRouteValues("/api/evals/{id}/export");
                transforms.AddRequestTransform(context =>
                {
                    foreach (var key in context.Query.Collection.Keys.Where(key => key != "format").ToList()) context.Query.Collection.Remove(key);
                    return ValueTask.CompletedTask;
                });
                transforms.AsSignedInUser();
            })
            .WithMetadata(new HttpMethodMetadata([HttpMethods.Get]))
            .RequireAuthorization();
        return app;
    }

    // format: finetune (JSON) or promptfoo (YAML).
    public static string PathOf(string evalId, string format) => $"{PathPrefix}{Uri.EscapeDataString(evalId)}?format={format}";
}
