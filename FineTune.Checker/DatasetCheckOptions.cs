namespace FineTune.Checker;

public sealed record DatasetCheckOptions
{
    public static DatasetCheckOptions Default { get; } = new();

    // The model the dataset is meant for: sets the context limit and the price. Null: ModelCatalog.DefaultModel.
    public string? Model { get; init; }

    public string? Provider { get; init; }

    public ModelCatalog Catalog { get; init; } = ModelCatalog.Default;

    // Epochs for the cost estimate; null picks OpenAI's default for the example count.
    public int? Epochs { get; init; }

    // The training method (TrainingMethods) the dataset is for: every line is checked against its shape.
    // Null: the method is assumed from what most lines look like, and the report says why.
    public string? Method { get; init; }

    // Worker threads; null uses every core.
    public int? MaxDegreeOfParallelism { get; init; }

    // Files over this size are refused; OpenAI's limit unless a provider says otherwise.
    public long MaxFileBytes { get; init; } = DatasetValidator.MaxFileBytes;

    // Bytes handed to a worker at a time (whole lines).
    public int BatchBytes { get; init; } = 1 << 20;
}
