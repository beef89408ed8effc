using FineTune.Web.Datasets;

namespace FineTune.Web.Evals;

// An eval's export downloads as a file straight from the Api, with the signed-in user's token, as a dataset's does.
public static class EvalExportForwarder
{
    private const string PathPrefix = "/download/evals/";

    public static IEndpointRouteBuilder MapEvalExports(this IEndpointRouteBuilder app)
    {
        app.MapApiDownload(PathPrefix + "{id}", "/api/evals/{id}/export", "format");
        return app;
    }

    // format: finetune (JSON) or promptfoo (YAML).
    public static string PathOf(string evalId, string format) => $"{PathPrefix}{Uri.EscapeDataString(evalId)}?format={format}";
}
