using System.ComponentModel.DataAnnotations;

namespace FineTune.Api.Models;

// Which base models can be fine-tuned, and what the provider announced about their end: a table in
// configuration (section "FineTune:ModelTable"), with OpenAI's announcement as the default. Context
// limits and prices come from the dataset checker's ModelCatalog, so the two never disagree.
public sealed class ModelTableOptions : IValidatableObject
{
    public const string Section = "FineTune:ModelTable";

    // OpenAI: new fine-tuning jobs end on 2027-01-06; fine-tuned gpt-4o, gpt-4o-mini, gpt-4.1 and
    // gpt-4.1-mini models shut down on 2027-01-14.
    private static readonly DateOnly OpenAIFineTuningEnds = new(2027, 1, 6);
    private static readonly DateOnly OpenAIFineTunedShutdown = new(2027, 1, 14);

    public List<ModelTableEntry> Models { get; set; } =
    [
        new() { Name = "gpt-4o", FineTuningEndsDate = OpenAIFineTuningEnds, ShutdownDate = OpenAIFineTunedShutdown },
        new() { Name = "gpt-4o-mini", FineTuningEndsDate = OpenAIFineTuningEnds, ShutdownDate = OpenAIFineTunedShutdown },
        new() { Name = "gpt-4.1", FineTuningEndsDate = OpenAIFineTuningEnds, ShutdownDate = OpenAIFineTunedShutdown },
        new() { Name = "gpt-4.1-mini", FineTuningEndsDate = OpenAIFineTuningEnds, ShutdownDate = OpenAIFineTunedShutdown },
        new() { Name = "gpt-4.1-nano", FineTuningEndsDate = OpenAIFineTuningEnds },
    ];

    public ModelTableEntry? Find(string baseModel) =>
        Models.LastOrDefault(entry => string.Equals(entry.Name, baseModel, StringComparison.OrdinalIgnoreCase));

    // Checked on start: an entry without a name would never be found.
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Models.Any(entry => string.IsNullOrWhiteSpace(entry.Name)))
            yield return new($"{Section}:Models: every entry needs a Name, the base model's name such as gpt-4.1-mini.", [nameof(Models)]);
    }
}

public sealed class ModelTableEntry
{
    public string Name { get; set; } = "";
    public bool FineTunable { get; set; } = true;
    public DateOnly? ShutdownDate { get; set; }
    public DateOnly? FineTuningEndsDate { get; set; }
}
