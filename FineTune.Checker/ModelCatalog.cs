namespace FineTune.Checker;

// The model table: for each base model, its context limit, training price, whether it can be fine-tuned,
// and what its provider announced about its end. The one table the checker, the estimate, the job form
// and GET /api/models read; configuration (section "FineTune:Models") changes or adds entries, with
// OpenAI's published figures as defaults.
public sealed class ModelCatalog
{
    // The model a dataset is checked against, and the job form's first choice, when none is named.
    public const string DefaultModel = "gpt-4.1-mini";

    // OpenAI: new fine-tuning jobs end on 2027-01-06; fine-tuned gpt-4o, gpt-4o-mini, gpt-4.1 and
    // gpt-4.1-mini models shut down on 2027-01-14.
    private static readonly DateOnly OpenAIFineTuningEnds = new(2027, 1, 6);
    private static readonly DateOnly OpenAIFineTunedShutdown = new(2027, 1, 14);

    // Answering prices are per 1M tokens, for the base model and for models fine-tuned from it (OpenAI's list prices).
    public List<ModelEntry> Models { get; set; } =
    [
        new() { Name = "gpt-4o", ContextTokens = 65_536, TrainingPricePerMillionTokens = 25m,
            InputPricePerMillionTokens = 2.5m, OutputPricePerMillionTokens = 10m,
            FineTunedInputPricePerMillionTokens = 3.75m, FineTunedOutputPricePerMillionTokens = 15m,
            FineTuningEndsDate = OpenAIFineTuningEnds, ShutdownDate = OpenAIFineTunedShutdown },
        new() { Name = "gpt-4o-mini", ContextTokens = 65_536, TrainingPricePerMillionTokens = 3m,
            InputPricePerMillionTokens = 0.15m, OutputPricePerMillionTokens = 0.6m,
            FineTunedInputPricePerMillionTokens = 0.3m, FineTunedOutputPricePerMillionTokens = 1.2m,
            FineTuningEndsDate = OpenAIFineTuningEnds, ShutdownDate = OpenAIFineTunedShutdown },
        new() { Name = "gpt-4.1", ContextTokens = 65_536, TrainingPricePerMillionTokens = 25m,
            InputPricePerMillionTokens = 2m, OutputPricePerMillionTokens = 8m,
            FineTunedInputPricePerMillionTokens = 3m, FineTunedOutputPricePerMillionTokens = 12m,
            FineTuningEndsDate = OpenAIFineTuningEnds, ShutdownDate = OpenAIFineTunedShutdown },
        new() { Name = "gpt-4.1-mini", ContextTokens = 65_536, TrainingPricePerMillionTokens = 5m,
            InputPricePerMillionTokens = 0.4m, OutputPricePerMillionTokens = 1.6m,
            FineTunedInputPricePerMillionTokens = 0.8m, FineTunedOutputPricePerMillionTokens = 3.2m,
            FineTuningEndsDate = OpenAIFineTuningEnds, ShutdownDate = OpenAIFineTunedShutdown },
        new() { Name = "gpt-4.1-nano", ContextTokens = 32_768, TrainingPricePerMillionTokens = 1.5m,
            InputPricePerMillionTokens = 0.1m, OutputPricePerMillionTokens = 0.4m,
            FineTunedInputPricePerMillionTokens = 0.2m, FineTunedOutputPricePerMillionTokens = 0.8m,
            FineTuningEndsDate = OpenAIFineTuningEnds },
    ];

    public static ModelCatalog Default { get; } = new();

    // Finds a model by name, dated snapshot ("gpt-4o-mini-2024-07-18") or fine-tuned name
    // ("ft:gpt-4o-mini-2024-07-18:org::id"): the longest catalog name the base name starts with.
    public ModelEntry? Find(string? model, string? provider = null)
    {
        if (string.IsNullOrWhiteSpace(model)) return null;
        var name = model.Trim();
        if (name.StartsWith("ft:", StringComparison.OrdinalIgnoreCase))
        {
            name = name[3..];
            var colon = name.IndexOf(':');
            if (colon >= 0) name = name[..colon];
        }

        ModelEntry? best = null;
        foreach (var entry in Models)
        {
            if (provider is not null && !string.Equals(entry.Provider, provider, StringComparison.OrdinalIgnoreCase)) continue;
            var matches = string.Equals(name, entry.Name, StringComparison.OrdinalIgnoreCase)
                || (name.StartsWith(entry.Name, StringComparison.OrdinalIgnoreCase) && name.Length > entry.Name.Length && name[entry.Name.Length] == '-'
                    && IsSnapshotSuffix(name.AsSpan(entry.Name.Length + 1)));
            if (matches && (best is null || entry.Name.Length > best.Name.Length)) best = entry;
        }
        return best;
    }

    // What answering with model costs: its base model's prices, or its fine-tuned prices for an "ft:" model; null when not in the table.
    public TokenPrice? AnsweringPriceOf(string model)
    {
        if (Find(model) is not { } entry) return null;
        return model.Trim().StartsWith("ft:", StringComparison.OrdinalIgnoreCase)
            ? TokenPrice.Of(entry.FineTunedInputPricePerMillionTokens, entry.FineTunedOutputPricePerMillionTokens)
            : TokenPrice.Of(entry.InputPricePerMillionTokens, entry.OutputPricePerMillionTokens);
    }

    // "2024-07-18": a dated snapshot of the same model, not a different model ("gpt-4o" vs "gpt-4o-mini").
    private static bool IsSnapshotSuffix(ReadOnlySpan<char> suffix) => suffix.Length > 0 && char.IsAsciiDigit(suffix[0]);
}

public sealed class ModelEntry
{
    public string Provider { get; set; } = "openai";
    public string Name { get; set; } = "";
    public int ContextTokens { get; set; }
    public string Encoding { get; set; } = "o200k_base";

    // Price per 1M trained tokens (tokens in the file x epochs); null where the provider does not bill by token.
    public decimal? TrainingPricePerMillionTokens { get; set; }

    public decimal? InputPricePerMillionTokens { get; set; }
    public decimal? OutputPricePerMillionTokens { get; set; }
    public decimal? FineTunedInputPricePerMillionTokens { get; set; }
    public decimal? FineTunedOutputPricePerMillionTokens { get; set; }

    public bool FineTunable { get; set; } = true;

    // The day models fine-tuned from this base stop answering, when the provider announced one.
    public DateOnly? ShutdownDate { get; set; }

    // The last day new fine-tuning jobs on this base are accepted, when announced.
    public DateOnly? FineTuningEndsDate { get; set; }
}

// Prices per 1M prompt (input) and completion (output) tokens.
public sealed record TokenPrice(decimal InputPerMillion, decimal OutputPerMillion)
{
    public static TokenPrice? Of(decimal? input, decimal? output) => input is { } i && output is { } o ? new TokenPrice(i, o) : null;

    public decimal CostOf(long promptTokens, long completionTokens) => (promptTokens * InputPerMillion + completionTokens * OutputPerMillion) / 1_000_000m;
}
