using System.ClientModel;
using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using FineTune.Api.Datasets;
using FineTune.Api.Workspaces;
using Microsoft.AspNetCore.Mvc;

namespace FineTune.Api.Playground;

public static class PlaygroundApi
{
    public const int MaxPrompts = 200;

    public static IEndpointRouteBuilder MapPlaygroundApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/playground").WithTags("Playground").RequireAuthorization();
        api.MapPost("/chat", Chat).WithName("PlaygroundChat")
            .WithSummary("Send a conversation to a model; the answer streams back as server-sent events ('chunk': { delta }, then { done, finishReason })")
            .RequireWorkspaceRole(WorkspaceRole.Member);
        api.MapGet("/prompts", GetPrompts).WithName("PlaygroundPrompts")
            .WithSummary("A dataset's examples as prompts (the conversation before the last assistant message) with that message as the expected answer")
            .RequireWorkspaceRole(WorkspaceRole.Member);
        return app;
    }

    public static async Task<Results<ServerSentEventsResult<PlaygroundChunk>, ValidationProblem>> Chat(
        PlaygroundChatRequest request, WorkspaceScope workspace, [AsParameters] PlaygroundServices services, CancellationToken cancellationToken)
    {
        var provider = await services.Connections.ClientAsync(request.ConnectionId, workspace.Id);
        var errors = new Dictionary<string, string[]>();
        if (provider is null) errors["connectionId"] = [$"This workspace has no connection {request.ConnectionId}."];
        if (string.IsNullOrWhiteSpace(request.Model)) errors["model"] = ["Choose a model."];
        if (request.Messages is not { Count: > 0 }) errors["messages"] = ["Send at least one message."];
        if (request.Temperature is < 0 or > 2) errors["temperature"] = ["The temperature must be between 0 and 2."];
        if (request.MaxTokens is < 1) errors["maxTokens"] = ["Max tokens must be at least 1."];
        if (errors.Count > 0) return TypedResults.ValidationProblem(errors);
        await services.Usage.RecordAsync(workspace.Id, request.Model);
        var logger = services.Loggers.CreateLogger(typeof(PlaygroundApi));
        return TypedResults.ServerSentEvents(StreamAsync(request, provider!, logger, cancellationToken));
    }

    // The response has started when the provider fails, so a failure becomes the last chunk, with the reason.
    private static async IAsyncEnumerable<SseItem<PlaygroundChunk>> StreamAsync(
        PlaygroundChatRequest request, FineTuningProvider provider, ILogger logger, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var chunks = provider.StreamChatAsync(request, cancellationToken).GetAsyncEnumerator(cancellationToken);
        while (true)
        {
            PlaygroundChunk chunk;
            try
            {
                if (!await chunks.MoveNextAsync()) yield break;
                chunk = chunks.Current;
            }
            catch (ClientResultException e)
            {
                logger.LogInformation("The provider refused a playground chat with {Model}: {Reason}", request.Model, e.Message);
                chunk = new PlaygroundChunk(null, Done: true, Error: e.Message);
            }
            yield return new SseItem<PlaygroundChunk>(chunk, "chunk");
            if (chunk.Done) yield break;
        }
    }

    public static async Task<Results<Ok<IReadOnlyList<PlaygroundPrompt>>, NotFound>> GetPrompts(
        [FromQuery] string datasetId, [FromQuery] int? limit, WorkspaceScope workspace, [AsParameters] PlaygroundServices services, CancellationToken cancellationToken)
    {
        if (await services.Datasets.GetInWorkspaceAsync(datasetId, workspace.Id) is not { } dataset) return TypedResults.NotFound();
        await using var content = services.Blobs.OpenRead(dataset.Sha256);
        var prompts = await PlaygroundPrompts.ReadAsync(content, Math.Clamp(limit ?? 50, 1, MaxPrompts), cancellationToken);
        return TypedResults.Ok(prompts);
    }
}

// The playground routes' dependencies.
public sealed record PlaygroundServices(ProviderConnections Connections, DatasetStore Datasets, BlobStore Blobs, ModelUsage Usage, ILoggerFactory Loggers);
