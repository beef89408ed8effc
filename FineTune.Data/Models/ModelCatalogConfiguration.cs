
using FineTune.Checker;
using Microsoft.Extensions.Configuration;

namespace FineTune.Data;

// The model table (ModelCatalog) from configuration, on top of the built-in defaults (OpenAI's published figures and announced dates).
// Under FineTune:Models each entry is either a list item (FineTune:Models:0:Name=gpt-5-mini,
// FineTune:Models:0:ContextTokens=...) or keyed by model name (FineTune:Models:gpt-4o:TrainingPricePerMillionTokens=30).
// An entry with the provider and name of a built-in model changes only the values it gives.
public static class ModelCatalogConfiguration
{
    public const string Section = "FineTune:Models";

    public static ModelCatalog Read(IConfiguration configuration)
    {
        var catalog = new ModelCatalog();
        foreach (var section in configuration.GetSection(Section).GetChildren())
        {
            var name = section["Name"] ?? (int.TryParse(section.Key, out _) ? null : section.Key);
            if (string.IsNullOrWhiteSpace(name))
                throw new InvalidOperationException($"{section.Path} has no Name.");
            var provider = section["Provider"] ?? "openai";

            var entry = catalog.Models.FirstOrDefault(m =>
                string.Equals(m.Name, name, StringComparison.OrdinalIgnoreCase) && string.Equals(m.Provider, provider, StringComparison.OrdinalIgnoreCase));
            if (entry is null)
            {
                entry = new ModelEntry();
                catalog.Models.Add(entry);
            }
            section.Bind(entry);
            entry.Name = name;
            entry.Provider = provider;
            if (entry.ContextTokens <= 0)
                throw new InvalidOperationException($"{section.Path}: ContextTokens must be a positive number of tokens.");
        }
        return catalog;
    }
}
