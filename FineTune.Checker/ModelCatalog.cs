namespace FineTune.Checker;

// The models a dataset can be checked against: context limit and training price. Shaped for
// configuration binding (section "FineTune:Models"), with OpenAI's published figures as defaults.
public sealed class ModelCatalog
{
    public const string DefaultModel = "gpt-4o-mini";

    public List<ModelEntry> Models { get; set; } =
    [
        new() { Provider = "openai", Name = "gpt-4o", ContextTokens = 65_536, TrainingPricePerMillionTokens = 25m },
        new() { Provider = "openai", Name = "gpt-4o-mini", ContextTokens = 65_536, TrainingPricePerMillionTokens = 3m },
        new() { Provider = "openai", Name = "gpt-4.1", ContextTokens = 65_536, TrainingPricePerMillionTokens = 25m },
        new() { Provider = "openai", Name = "gpt-4.1-mini", ContextTokens = 65_536, TrainingPricePerMillionTokens = 5m },
        new() { Provider = "openai", Name = "gpt-4.1-nano", ContextTokens = 32_768, TrainingPricePerMillionTokens = 1.5m },
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
}
