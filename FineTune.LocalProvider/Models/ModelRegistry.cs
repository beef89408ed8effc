using System.Collections.Concurrent;
using FineTune.LocalProvider.Training;

namespace FineTune.LocalProvider.Models;

public sealed record ModelObject(string Id, long Created, string OwnedBy)
{
    public string Object => "model";
}

public sealed record FineTunedModel(string Id, string BaseModel, DateTimeOffset CreatedAt, LanguageModel Model);

// The base models the local provider pretends to offer, and the models its jobs have trained
// (final models and checkpoints), which live as long as the process.
public sealed class ModelRegistry
{
    public const string Organization = "local";

    // 2024-01-01: base models need some creation date; a fixed one keeps listings stable.
    private static readonly long BaseModelCreated = 1704067200;

    public static readonly IReadOnlyList<string> BaseModels = ["gpt-4.1-mini", "gpt-4.1-nano", "gpt-4o-mini", "gpt-4.1", "gpt-4o"];

    private readonly ConcurrentDictionary<string, FineTunedModel> _fineTuned = new();

    // Dated snapshots such as gpt-4o-mini-2024-07-18 count as the base model they name.
    public static string? BaseModelOf(string model) =>
        BaseModels.OrderByDescending(name => name.Length)
            .FirstOrDefault(name => model == name || (model.StartsWith(name + "-", StringComparison.Ordinal) && char.IsDigit(model[name.Length + 1])));

    public void Add(FineTunedModel model) => _fineTuned[model.Id] = model;

    public bool Remove(string id) => _fineTuned.TryRemove(id, out _);

    public FineTunedModel? FindFineTuned(string id) => _fineTuned.GetValueOrDefault(id);

    public ModelObject? Find(string id) =>
        BaseModelOf(id) is not null ? new ModelObject(id, BaseModelCreated, "system")
        : _fineTuned.TryGetValue(id, out var model) ? ToObject(model)
        : null;

    public IReadOnlyList<ModelObject> All() =>
    [
        .. BaseModels.Select(id => new ModelObject(id, BaseModelCreated, "system")),
        .. _fineTuned.Values.OrderBy(model => model.CreatedAt).ThenBy(model => model.Id, StringComparer.Ordinal).Select(ToObject),
    ];

    private static ModelObject ToObject(FineTunedModel model) => new(model.Id, model.CreatedAt.ToUnixTimeSeconds(), Organization);
}
