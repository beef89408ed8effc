using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using FineTune.LocalProvider.Training;
using Microsoft.Extensions.Options;

namespace FineTune.LocalProvider.Models;

public sealed record ModelObject(string Id, long Created, string OwnedBy, DateOnly? ShutdownDate)
{
    public string Object => "model";
}

public sealed record FineTunedModel(string Id, string BaseModel, DateTimeOffset CreatedAt, LanguageModel Model);

// The base models the local provider pretends to offer, and the models its jobs have trained
// (final models and checkpoints). Trained models are kept under <data>/models, one file each
// (name, base model, creation time, parameters), so that they outlive the process.
public sealed class ModelRegistry
{
    public const string Organization = "local";

    // 2024-01-01: base models need some creation date; a fixed one keeps listings stable.
    private static readonly long BaseModelCreated = 1704067200;
    private const string FileMagic = "finetune-local-model-v1";

    public static readonly IReadOnlyList<string> BaseModels = ["gpt-4.1-mini", "gpt-4.1-nano", "gpt-4o-mini", "gpt-4.1", "gpt-4o"];

    private readonly ConcurrentDictionary<string, FineTunedModel> _fineTuned = new();
    private readonly string _directory;
    private readonly Dictionary<string, DateOnly> _shutdownDates;
    private readonly ILogger<ModelRegistry> _logger;

    public ModelRegistry(IOptions<LocalProviderOptions> options, ILogger<ModelRegistry> logger)
    {
        _directory = Path.Combine(options.Value.DataDirectory, "models");
        _shutdownDates = options.Value.ShutdownDates;
        _logger = logger;
        Directory.CreateDirectory(_directory);
        foreach (var path in Directory.EnumerateFiles(_directory, "*.model"))
        {
            try
            {
                var model = Read(path);
                _fineTuned[model.Id] = model;
            }
            catch (Exception exception) when (exception is IOException or InvalidDataException or EndOfStreamException)
            {
                _logger.LogWarning(exception, "Skipping unreadable model file {Path}", path);
            }
        }
        _logger.LogInformation("Serving {ModelCount} fine-tuned models from {Directory}", _fineTuned.Count, _directory);
    }

    // Dated snapshots such as gpt-4o-mini-2024-07-18 count as the base model they name.
    public static string? BaseModelOf(string model) =>
        BaseModels.OrderByDescending(name => name.Length)
            .FirstOrDefault(name => model == name || (model.StartsWith(name + "-", StringComparison.Ordinal) && char.IsDigit(model[name.Length + 1])));

    // Written to disk before it is served, so a model a client has seen survives a restart.
    public void Add(FineTunedModel model)
    {
        var path = PathOf(model.Id);
        var partial = path + ".partial";
        using (var stream = File.Create(partial))
        using (var writer = new BinaryWriter(stream, Encoding.UTF8))
        {
            writer.Write(FileMagic);
            writer.Write(model.Id);
            writer.Write(model.BaseModel);
            writer.Write(model.CreatedAt.ToUnixTimeMilliseconds());
            model.Model.WriteTo(writer);
        }
        File.Move(partial, path, overwrite: true);
        _fineTuned[model.Id] = model;
    }

    public bool Remove(string id)
    {
        if (!_fineTuned.TryRemove(id, out _)) return false;
        File.Delete(PathOf(id));
        return true;
    }

    public FineTunedModel? FindFineTuned(string id) => _fineTuned.GetValueOrDefault(id);

    public ModelObject? Find(string id) =>
        BaseModelOf(id) is not null ? BaseObject(id)
        : _fineTuned.TryGetValue(id, out var model) ? ToObject(model)
        : null;

    public IReadOnlyList<ModelObject> All() =>
    [
        .. BaseModels.Select(BaseObject),
        .. _fineTuned.Values.OrderBy(model => model.CreatedAt).ThenBy(model => model.Id, StringComparer.Ordinal).Select(ToObject),
    ];

    private ModelObject BaseObject(string id) => new(id, BaseModelCreated, "system", ShutdownDateOf(id));

    private ModelObject ToObject(FineTunedModel model) => new(model.Id, model.CreatedAt.ToUnixTimeSeconds(), Organization, ShutdownDateOf(model.BaseModel));

    private DateOnly? ShutdownDateOf(string baseModel) =>
        BaseModelOf(baseModel) is { } name && _shutdownDates.TryGetValue(name, out var date) ? date : null;

    // Model names hold ':' and a user-chosen suffix, so the file is named after a hash of the name.
    private string PathOf(string id) =>
        Path.Combine(_directory, Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(id)))[..32] + ".model");

    private static FineTunedModel Read(string path)
    {
        using var stream = File.OpenRead(path);
        using var reader = new BinaryReader(stream, Encoding.UTF8);
        if (reader.ReadString() != FileMagic) throw new InvalidDataException($"{path} is not a model file.");
        var id = reader.ReadString();
        var baseModel = reader.ReadString();
        var createdAt = DateTimeOffset.FromUnixTimeMilliseconds(reader.ReadInt64());
        return new FineTunedModel(id, baseModel, createdAt, LanguageModel.ReadFrom(reader));
    }
}
