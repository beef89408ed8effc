using FineTune.Checker;

namespace FineTune.Data;

// Every fine-tuned model a workspace has: those its jobs made, and those its connections list as the account's own
// that no job made (an import from before FineTune, a model trained in the provider's console). Each with its dates:
// the provider's shutdown_date when /v1/models gives one, else the model table's. The Api's GET /api/inventory and
// the Worker's countdown both read it.
public sealed class ModelInventory(JobStore jobs, ProviderConnections connections, ModelCatalog catalog, ModelUsage usage, TimeProvider time)
{
    // A connection that does not answer within this leaves its models out rather than holding up the rest.
    public static readonly TimeSpan ListTimeout = TimeSpan.FromSeconds(10);

    // Owners of the base models a provider offers; everything else it lists belongs to the account.
    private static readonly HashSet<string> ProviderOwners = new(["system", "openai", "openai-internal"], StringComparer.OrdinalIgnoreCase);

    public async Task<IReadOnlyList<InventoryModel>> ListAsync(string workspaceId, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        // A bundle's copy of a job names the same model as the job that trained it: the model is listed once, with that job.
        var workspaceJobs = (await jobs.ListAsync(workspaceId)).Where(job => job.FineTunedModel is { Length: > 0 })
            .GroupBy(job => (job.FineTunedModel, job.ConnectionId ?? ProviderConnection.ServerId))
            .Select(copies => copies.OrderBy(job => job.IsFromBundle).ThenBy(job => job.CreatedAt).First())
            .ToList();
        var listed = await ListAccountModelsAsync(workspaceId, cancellationToken);
        var lastUsed = await usage.LastUsedAsync(workspaceId);

        var models = new List<InventoryModel>();
        foreach (var job in workspaceJobs)
        {
            var connectionId = job.ConnectionId ?? ProviderConnection.ServerId;
            var provided = listed.GetValueOrDefault(connectionId)?.FirstOrDefault(model => model.Id == job.FineTunedModel);
            models.Add(Describe(job.FineTunedModel!, catalog.Find(job.Model)?.Name ?? job.Model, job.Id,
                [.. new[] { job.TrainingDatasetId, job.ValidationDatasetId }.OfType<string>().Where(id => id.Length > 0)],
                connectionId, provided?.CreatedAt ?? job.FinishedAt ?? job.CreatedAt, provided?.ShutdownDate, lastUsed, now));
        }

        var madeHere = workspaceJobs.Select(job => job.FineTunedModel!).ToHashSet(StringComparer.Ordinal);
        foreach (var (connectionId, provided) in listed)
        {
            var unknown = provided.Where(model => !madeHere.Contains(model.Id)).ToList();
            // The server's connection is in every workspace: its models that no job made, anywhere, are the default
            // workspace's, as the jobs the Worker imports from it are; another workspace's job made the rest.
            if (ProviderConnection.IsServer(connectionId))
            {
                if (workspaceId != Workspace.DefaultId || unknown.Count == 0) continue;
                var madeAnywhere = await jobs.FineTunedModelsAsync();
                unknown = unknown.Where(model => !madeAnywhere.Contains(model.Id)).ToList();
            }
            models.AddRange(unknown.Select(model => Describe(model.Id, BaseModelOf(model.Id, catalog), jobId: null, [], connectionId, model.CreatedAt,
                model.ShutdownDate, lastUsed, now)));
        }

        return models.OrderBy(model => model.DaysLeft ?? int.MaxValue).ThenBy(model => model.Model, StringComparer.Ordinal).ToList();
    }

    // "gpt-4o-mini" for "ft:gpt-4o-mini-2024-07-18:org::id": the model table's name, else the provider's.
    public static string BaseModelOf(string model, ModelCatalog catalog) =>
        catalog.Find(model)?.Name ?? (model.StartsWith("ft:", StringComparison.Ordinal) ? model.Split(':')[1] : model);

    private InventoryModel Describe(string model, string baseModel, string? jobId, IReadOnlyList<string> datasetIds, string connectionId,
        DateTimeOffset? createdAt, DateOnly? providerShutdown, IReadOnlyDictionary<string, DateTimeOffset> lastUsed, DateTimeOffset now)
    {
        var entry = catalog.Find(baseModel);
        var shutdown = providerShutdown ?? entry?.ShutdownDate;
        var daysLeft = ModelStatus.DaysLeft(shutdown, now);
        return new InventoryModel(model, baseModel, jobId, datasetIds, connectionId, createdAt, lastUsed.TryGetValue(model, out var used) ? used : null,
            shutdown, entry?.FineTuningEndsDate, daysLeft, ModelStatus.Of(daysLeft));
    }

    // Each connection's fine-tuned models that belong to the account (not checkpoints), by connection id. Listed
    // together; a connection that fails or is slow is left out, so one unreachable provider hides only its own models.
    private async Task<IReadOnlyDictionary<string, IReadOnlyList<ProviderModel>>> ListAccountModelsAsync(string workspaceId, CancellationToken cancellationToken)
    {
        var listings = (await connections.ListAsync(workspaceId)).Select(async connection =>
        {
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(ListTimeout);
            try
            {
                var client = await connections.ClientAsync(connection.Id, workspaceId);
                var models = client is null ? [] : await client.ListModelsAsync(deadline.Token);
                return (connection.Id, Models: (IReadOnlyList<ProviderModel>)models.Where(IsAccountModel).ToList());
            }
            catch (Exception) when (!cancellationToken.IsCancellationRequested)
            {
                return (connection.Id, Models: []);
            }
        });
        return (await Task.WhenAll(listings)).ToDictionary(listing => listing.Id, listing => listing.Models, StringComparer.Ordinal);
    }

    private static bool IsAccountModel(ProviderModel model) =>
        !model.Id.Contains(":ckpt-step-", StringComparison.Ordinal)
        && (model.Id.StartsWith("ft:", StringComparison.Ordinal) || !ProviderOwners.Contains(model.OwnedBy));
}
