using System.Text.Json;
using FineTune.LocalProvider.Models;
using FineTune.LocalProvider.Training;

namespace FineTune.LocalProvider.Chat;

// Answers a prompt with a model: a fine-tuned model generates from its trained weights; a base
// model, which this provider cannot run, answers with a reply that says so.
public static class ModelResponder
{
    public const int DefaultMaxTokens = 256;

    public static bool Exists(ModelRegistry models, string model) => models.Find(model) is not null;

    public static Generation Respond(ModelRegistry models, string model, string prompt, int maxTokens)
    {
        if (models.FindFineTuned(model) is { } fineTuned) return fineTuned.Model.Generate(prompt, maxTokens);

        var quoted = prompt.Length > 200 ? prompt[..200] + "…" : prompt;
        var standIn = $"[local base model {model}] This local provider does not run {model}; fine-tune it here to get answers learned from your data. You said: \"{quoted}\"";
        var tokens = TextTokenizer.Split(standIn);
        return tokens.Length <= maxTokens
            ? new Generation(standIn, tokens.Length, ReachedLimit: false)
            : new Generation(string.Concat(tokens.Take(maxTokens)), maxTokens, ReachedLimit: true);
    }

    // The text of the last message with the given role; content is a string or a list of parts.
    public static string LastText(JsonElement messages, string role)
    {
        var text = "";
        foreach (var message in messages.EnumerateArray())
        {
            if (message.ValueKind == JsonValueKind.Object && message.TryGetProperty("role", out var r) && r.ValueKind == JsonValueKind.String && r.GetString() == role)
                text = TrainingData.MessageText(message);
        }
        return text;
    }

    public static int CountTokens(JsonElement messages) =>
        messages.EnumerateArray().Where(message => message.ValueKind == JsonValueKind.Object)
            .Sum(message => TextTokenizer.Count(TrainingData.MessageText(message)) + 3);
}
