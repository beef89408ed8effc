using FineTune.LocalProvider.Files;
using FineTune.LocalProvider.OpenAI;
using Microsoft.AspNetCore.Http.HttpResults;

namespace FineTune.LocalProvider.Models;

public sealed record ModelList(IReadOnlyList<ModelObject> Data)
{
    public string Object => "list";
}

public static class ModelsApi
{
    public static IEndpointRouteBuilder MapModelsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapOpenAIGroup("v1/models", "Models");
        api.MapGet("", ListModels).WithName("ListModels").WithSummary("List base and fine-tuned models");
        api.MapGet("{model}", GetModel).WithName("GetModel").WithSummary("Retrieve a model");
        api.MapDelete("{model}", DeleteModel).WithName("DeleteModel").WithSummary("Delete a fine-tuned model");
        return app;
    }

    public static Ok<ModelList> ListModels(ModelRegistry models) => TypedResults.Ok(new ModelList(models.All()));

    public static Results<Ok<ModelObject>, JsonHttpResult<OpenAIErrorBody>> GetModel(string model, ModelRegistry models) =>
        models.Find(model) is { } found ? TypedResults.Ok(found) : ModelNotFound(model);

    public static Results<Ok<DeletedObject>, JsonHttpResult<OpenAIErrorBody>> DeleteModel(string model, ModelRegistry models) =>
        ModelRegistry.BaseModelOf(model) is not null
            ? OpenAIErrors.Create(StatusCodes.Status403Forbidden, "You cannot delete a base model.", "model", "model_not_deletable")
            : models.Remove(model) ? TypedResults.Ok(new DeletedObject(model, "model", true)) : ModelNotFound(model);

    public static JsonHttpResult<OpenAIErrorBody> ModelNotFound(string model) =>
        OpenAIErrors.NotFound($"The model '{model}' does not exist or you do not have access to it.", "model", "model_not_found");
}
