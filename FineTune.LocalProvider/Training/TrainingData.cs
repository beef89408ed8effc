using System.Text;
using System.Text.Json;

namespace FineTune.LocalProvider.Training;

// One assistant message to learn, with the user message it answers.
public sealed record TrainingSegment(string Prompt, string[] Targets);

public sealed record TrainingExample(IReadOnlyList<TrainingSegment> Segments, int TokenCount);

// Reads chat-format JSONL that DatasetValidator has already accepted, keeping the assistant
// messages whose weight is not 0.
public static class TrainingData
{
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
