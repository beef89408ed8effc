using System.Text;
using System.Text.Json;

namespace FineTune.Api.Playground;

// Reads chat (messages) and preference (input + preferred_output) examples from a JSONL dataset as
// prompts with their expected answers. Lines that are not such examples are skipped.
public static class PlaygroundPrompts
{
    public static async Task<IReadOnlyList<PlaygroundPrompt>> ReadAsync(Stream jsonl, int limit, CancellationToken cancellationToken)
    {
        var prompts = new List<PlaygroundPrompt>();
        using var reader = new StreamReader(jsonl, Encoding.UTF8);
        var lineNumber = 0;
        while (prompts.Count < limit && await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            try
            {
                using var document = JsonDocument.Parse(line);
                if (Read(lineNumber, document.RootElement) is { } prompt) prompts.Add(prompt);
            }
            catch (JsonException)
            {
                // Not an example; the dataset report lists it.
            }
        }
        return prompts;
    }

    private static PlaygroundPrompt? Read(int line, JsonElement example)
    {
        if (example.ValueKind != JsonValueKind.Object) return null;
        if (example.TryGetProperty("messages", out var messages) && messages.ValueKind == JsonValueKind.Array)
        {
            var turns = Turns(messages);
            var last = turns.FindLastIndex(turn => turn.Role == "assistant");
            return last <= 0 ? null : new PlaygroundPrompt(line, turns[..last], turns[last].Content);
        }
        if (example.TryGetProperty("input", out var input) && input.ValueKind == JsonValueKind.Object
            && input.TryGetProperty("messages", out var inputMessages) && inputMessages.ValueKind == JsonValueKind.Array
            && example.TryGetProperty("preferred_output", out var preferred) && preferred.ValueKind == JsonValueKind.Array)
        {
            var turns = Turns(inputMessages);
            var expected = Turns(preferred).LastOrDefault(turn => turn.Role == "assistant");
            return turns.Count == 0 || expected is null ? null : new PlaygroundPrompt(line, turns, expected.Content);
        }
        return null;
    }

    private static List<ChatTurn> Turns(JsonElement messages) => messages.EnumerateArray()
        .Where(message => message.ValueKind == JsonValueKind.Object
            && message.TryGetProperty("role", out var role) && role.ValueKind == JsonValueKind.String)
        .Select(message => new ChatTurn(message.GetProperty("role").GetString()!, Text(message)))
        .ToList();

    // Content is a string, or an array of parts of which the text parts count.
    private static string Text(JsonElement message)
    {
        if (!message.TryGetProperty("content", out var content)) return "";
        return content.ValueKind switch
        {
            JsonValueKind.String => content.GetString()!,
            JsonValueKind.Array => string.Concat(content.EnumerateArray()
                .Where(part => part.ValueKind == JsonValueKind.Object && part.TryGetProperty("text", out var text) && text.ValueKind == JsonValueKind.String)
                .Select(part => part.GetProperty("text").GetString())),
            _ => "",
        };
    }
}
