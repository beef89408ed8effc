
namespace FineTune.Web.Jobs;

public sealed class MetadataPair
{
    public string Key { get; set; } = "";
    public string Value { get; set; } = "";
}

// What the create-job form edits; ToRequest makes the Api's CreateJobRequest of it. One form instance
// is one intended job: its IdempotencyKey makes a double submit or a retried request create one job.
public sealed class CreateJobForm
{
    // Shown until the provider's model list arrives, and if it cannot be read: the model table's, default first.
    public static readonly IReadOnlyList<string> BaseModels = ModelCatalog.Default.Models
        .Where(model => model.FineTunable)
        .Select(model => model.Name)
        .OrderBy(name => name != ModelCatalog.DefaultModel)
        .ToList();

    public static readonly IReadOnlyList<string> Methods = ["supervised", "dpo"];

    public string IdempotencyKey { get; private set; } = Guid.NewGuid().ToString("N");

    public string? TrainingDatasetId { get; set; }

    public string? ValidationDatasetId { get; set; }

    public string Model { get; set; } = ModelCatalog.DefaultModel;

    // The provider connection the job runs on; the server's own by default.
    public string ConnectionId { get; set; } = ProviderConnection.ServerId;

    public string Method { get; set; } = "supervised";

    // Null means auto: the provider picks the value.
    public int? Epochs { get; set; }

    public int? BatchSize { get; set; }

    public double? LearningRateMultiplier { get; set; }

    public string? Suffix { get; set; }

    public int? Seed { get; set; }

    public List<MetadataPair> Metadata { get; } = [];

    // After a job was created, the form stands for the next one.
    public void Renew() => IdempotencyKey = Guid.NewGuid().ToString("N");

    public JobMethod ToMethod() => new(Method, new JobHyperparameters(Epochs, BatchSize, LearningRateMultiplier));

    public JobEstimateRequest? ToEstimateRequest() => TrainingDatasetId is null || string.IsNullOrWhiteSpace(Model)
        ? null
        : new JobEstimateRequest(TrainingDatasetId, Model, NullIfEmpty(ValidationDatasetId), ToMethod());

    public CreateJobRequest ToRequest() => new(
        TrainingDatasetId: TrainingDatasetId ?? throw new InvalidOperationException("Choose a training dataset."),
        Model: Model,
        ValidationDatasetId: NullIfEmpty(ValidationDatasetId),
        Method: ToMethod(),
        Suffix: string.IsNullOrWhiteSpace(Suffix) ? null : Suffix.Trim(),
        Seed: Seed,
        ConnectionId: ProviderConnection.IsServer(ConnectionId) ? null : ConnectionId,
        Metadata: Metadata.Where(pair => !string.IsNullOrWhiteSpace(pair.Key))
            .GroupBy(pair => pair.Key.Trim())
            .ToDictionary(group => group.Key, group => group.Last().Value) is { Count: > 0 } metadata ? metadata : null);

    private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;
}
