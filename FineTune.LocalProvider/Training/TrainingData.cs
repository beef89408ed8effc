using System.Text;
using System.Text.Json;

namespace FineTune.LocalProvider.Training;

// One assistant message to learn, with the user message it answers.
public sealed record TrainingSegment(string Prompt, string[] Targets);

// Rejected only in preference (DPO) data: the answer the data prefers less than Segments[0].
public sealed record TrainingExample(IReadOnlyList<TrainingSegment> Segments, int TokenCount, TrainingSegment? Rejected = null);

// Reads chat-format JSONL that DatasetValidator has already accepted, keeping the assistant
// messages whose weight is not 0.
public static class TrainingData
{
    // Preference format: {"input":{"messages":[...]},"preferred_output":[assistant message],"non_preferred_output":[assistant message]}.
    public static async Task<IReadOnlyList<TrainingExample>> LoadPreferencesAsync(Stream jsonl, CancellationToken cancellationToken)
    {
        var examples = new List<TrainingExample>();
        using var reader = new StreamReader(jsonl, new UTF8Encoding(false));
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            if (string.IsNullOrWhiteSpace(line)) continue;
            using var document = JsonDocument.Parse(line);
            var root = document.RootElement;
            var messages = root.GetProperty("input").GetProperty("messages");
            var prompt = "";
            var tokenCount = 0;
            foreach (var message in messages.EnumerateArray())
            {
                var text = MessageText(message);
                tokenCount += TextTokenizer.Count(text);
                if (message.GetProperty("role").GetString() == "user") prompt = text;
            }
            var preferred = MessageText(root.GetProperty("preferred_output")[0]);
            var rejected = MessageText(root.GetProperty("non_preferred_output")[0]);
            tokenCount += TextTokenizer.Count(preferred) + TextTokenizer.Count(rejected);
            examples.Add(new TrainingExample([new TrainingSegment(prompt, TextTokenizer.Split(preferred))], tokenCount,
                new TrainingSegment(prompt, TextTokenizer.Split(rejected))));
        }
        return examples;
    }

    public static async Task<IReadOnlyList<TrainingExample>> LoadAsync(Stream jsonl, CancellationToken cancellationToken)
    {
        var examples = new List<TrainingExample>();
        using var reader = new StreamReader(jsonl, new UTF8Encoding(false));
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            if (string.IsNullOrWhiteSpace(line)) continue;
            using var document = JsonDocument.Parse(line);
            var example = ReadExample(document.RootElement.GetProperty("messages"));
            if (example.Segments.Count > 0) examples.Add(example);
        }
        return examples;
    }

    public static string MessageText(JsonElement message)
    {
        if (!message.TryGetProperty("content", out var content)) return "";
        if (content.ValueKind == JsonValueKind.String) return content.GetString()!;
        if (content.ValueKind != JsonValueKind.Array) return "";
        var text = new StringBuilder();
        foreach (var part in content.EnumerateArray())
        {
            if (part.ValueKind == JsonValueKind.Object && part.TryGetProperty("text", out var partText) && partText.ValueKind == JsonValueKind.String)
                text.Append(partText.GetString());
        }
        return text.ToString();
    }

    private static TrainingExample ReadExample(JsonElement messages)
    {
        var segments = new List<TrainingSegment>();
        var prompt = "";
        var tokenCount = 0;
        foreach (var message in messages.EnumerateArray())
        {
            var role = message.GetProperty("role").GetString();
            var text = MessageText(message);
            tokenCount += TextTokenizer.Count(text);
            if (role == "user") prompt = text;
            if (role != "assistant") continue;
            var weight = message.TryGetProperty("weight", out var weightJson) && weightJson.ValueKind == JsonValueKind.Number ? weightJson.GetDouble() : 1;
            if (weight == 0) continue;
            segments.Add(new TrainingSegment(prompt, TextTokenizer.Split(text)));
        }
        return new TrainingExample(segments, tokenCount);
    }
}
