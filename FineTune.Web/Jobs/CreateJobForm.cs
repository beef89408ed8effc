using FineTune.Core.Jobs;

namespace FineTune.Web.Jobs;

// What the create-job form edits; ToRequest makes the Api's CreateJobRequest of it.
public sealed class CreateJobForm
{
    public const string DefaultModel = "gpt-4.1-mini";

    public static readonly IReadOnlyList<string> BaseModels = [DefaultModel, "gpt-4.1-nano", "gpt-4o-mini", "gpt-4.1", "gpt-4o"];

    public string? TrainingDatasetId { get; set; }

    public string? ValidationDatasetId { get; set; }

    public string Model { get; set; } = DefaultModel;

    // Null means auto: the provider picks the number of epochs.
    public int? Epochs { get; set; }

    public string? Suffix { get; set; }

    public int? Seed { get; set; }

    public CreateJobRequest ToRequest() => new(
        TrainingDatasetId: TrainingDatasetId ?? throw new InvalidOperationException("Choose a training dataset."),
        Model: Model,
        ValidationDatasetId: string.IsNullOrEmpty(ValidationDatasetId) ? null : ValidationDatasetId,
        Method: new JobMethod("supervised", new JobHyperparameters(NEpochs: Epochs)),
        Suffix: string.IsNullOrWhiteSpace(Suffix) ? null : Suffix.Trim(),
        Seed: Seed);
}
