using System.ClientModel;
using FineTune.Api.Workspaces;
using Microsoft.AspNetCore.Mvc;

namespace FineTune.Api.Models;

public static class ModelsApi
{
    public static IEndpointRouteBuilder MapModelsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/models").WithTags("Models").RequireAuthorization();
        api.MapGet("/", ListModels).WithName("ListModels")
            .WithSummary("The provider's models (of connection 'connectionId', else the server's), with whether each can be fine-tuned, its context limit and announced end dates")
            .RequireWorkspaceRole(WorkspaceRole.Viewer);
        app.MapGet("/api/inventory", ListInventory).WithTags("Models").RequireAuthorization().WithName("ListInventory")
            .WithSummary("Every fine-tuned model of the workspace, from its jobs and its connections' model lists, with its shutdown date, "
                + "days left and status (active, retiring within 90 days, retired), the soonest to shut down first")
            .RequireWorkspaceRole(WorkspaceRole.Viewer);
        return app;
    }

    public static async Task<Ok<ModelInventoryList>> ListInventory(WorkspaceScope workspace, ModelInventory inventory, CancellationToken cancellationToken) =>
        TypedResults.Ok(new ModelInventoryList(await inventory.ListAsync(workspace.Id, cancellationToken)));

    public static async Task<Results<Ok<IReadOnlyList<ModelInfo>>, ProblemHttpResult>> ListModels(
        [FromQuery] string? connectionId, WorkspaceScope workspace, [AsParameters] ModelServices services, CancellationToken cancellationToken)
    {
        if (await services.Connections.ClientAsync(connectionId, workspace.Id) is not { } provider)
        {
            return TypedResults.Problem(title: "Unknown connection", detail: $"This workspace has no connection {connectionId}.",
                statusCode: StatusCodes.Status404NotFound);
        }
        IReadOnlyList<ProviderModel> models;
        try
        {
            models = await provider.ListModelsAsync(cancellationToken);
        }
        catch (ClientResultException e)
        {
            return TypedResults.Problem(title: "The provider did not list its models", detail: e.Message, statusCode: StatusCodes.Status502BadGateway);
        }
        return TypedResults.Ok<IReadOnlyList<ModelInfo>>(models
            .Select(model => Describe(model, services.Catalog))
            .OrderByDescending(model => model.FineTunable)
            .ThenBy(model => model.FineTuned)
            .ThenBy(model => model.Id, StringComparer.Ordinal)
            .ToList());
    }

    // The provider's model with what the model table knows of its base: context, price, and its end.
    public static ModelInfo Describe(ProviderModel model, ModelCatalog catalog)
    {
        var fineTuned = model.Id.StartsWith("ft:", StringComparison.Ordinal);
        var checkpoint = fineTuned && model.Id.Contains(":ckpt-step-", StringComparison.Ordinal);
        var entry = catalog.Find(model.Id);
        var baseModel = ModelInventory.BaseModelOf(model.Id, catalog);
        return new ModelInfo(
            Id: model.Id,
            OwnedBy: model.OwnedBy,
            CreatedAt: model.CreatedAt,
            BaseModel: baseModel,
            FineTuned: fineTuned,
            Checkpoint: checkpoint,
            FineTunable: !fineTuned && entry is { FineTunable: true },
            ContextTokens: entry?.ContextTokens,
            TrainingPricePerMillionTokens: entry?.TrainingPricePerMillionTokens,
            ShutdownDate: model.ShutdownDate ?? entry?.ShutdownDate,
            FineTuningEndsDate: entry?.FineTuningEndsDate);
    }
}

// The models route's dependencies.
public sealed record ModelServices(ProviderConnections Connections, ModelCatalog Catalog);
