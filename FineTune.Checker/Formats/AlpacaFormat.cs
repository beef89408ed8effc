using System.Text.Json;

namespace FineTune.Checker;

// Alpaca: {"instruction", "input", "output"}: one user turn and its answer. The system message goes in "system" (as
// LLaMA-Factory's Alpaca columns have it); the user's message goes in "instruction" with "input" left empty, since a chat
// message does not say which part of it is the instruction. A multi-turn example cannot be written.
// Read back: the user's message is the instruction, then a blank line and the input when there is one; LLaMA-Factory's
// "history" ([instruction, answer] pairs) becomes the turns before it.
internal static class AlpacaFormat
{
    private const string Name = "Alpaca";
    private static readonly string[] OwnKeys = ["instruction", "input", "output", "system", "history"];

    public static LineProblem? Export(JsonElement line, JsonLineWriter writer)
    {
        if (OpenAILine.IsPreference(line)) return OpenAILine.Preference(Name);
        if (!OpenAILine.TryGetList(line, "messages", out var messages)) return OpenAILine.NotAList("messages");
        if (OneTurn(messages, out var system, out var user, out var answer) is { } problem) return problem;

        writer.StartObject();
        foreach (var property in line.EnumerateObject())
        {
            if (property.NameEquals("messages"u8))
            {
                writer.Name("instruction");
                writer.Value(user);
                writer.Name("input");
                writer.String([]);
                writer.Name("output");
                writer.Value(answer);
                if (system is { } text)
                {
                    writer.Name("system");
                    writer.Value(text);
                }
            }
            else if (OpenAILine.CarryExported(writer, property, Name, OwnKeys) is { } keyProblem) return keyProblem;
        }
        writer.EndObject();
        return null;
    }

    public static LineProblem? Import(JsonElement line, JsonLineWriter writer)
    {
        if (!line.TryGetProperty("output"u8, out var output) || !OpenAILine.IsString(output))
            return new(FormatSkipCodes.Missing, "the example has no \"output\" text");
        var instruction = TextOrEmpty(line, "instruction");
        var input = TextOrEmpty(line, "input");
        var system = TextOrEmpty(line, "system");
        if (instruction is null || input is null || system is null) return new(FormatSkipCodes.Content, "\"instruction\", \"input\" and \"system\" must be text");
        if (IsEmpty(instruction.Value) && IsEmpty(input.Value)) return new(FormatSkipCodes.Missing, "the example has no instruction and no input");
        var hasHistory = line.TryGetProperty("history"u8, out var history);
        if (hasHistory && !IsHistory(history)) return new(FormatSkipCodes.Content, "\"history\" must be a list of [instruction, answer] pairs of text");

        var written = false;
        writer.StartObject();
        foreach (var property in line.EnumerateObject())
        {
            if (OwnKeys.Contains(property.Name))
            {
                if (written) continue;
                written = true;
                writer.Name("messages");
                writer.StartArray();
                if (!IsEmpty(system.Value)) OpenAILine.WriteMessage(writer, "system"u8, system.Value);
                if (hasHistory)
                {
                    foreach (var pair in history.EnumerateArray())
                    {
                        OpenAILine.WriteMessage(writer, "user"u8, pair[0]);
                        OpenAILine.WriteMessage(writer, "assistant"u8, pair[1]);
                    }
                }
                WriteUserMessage(writer, instruction.Value, input.Value);
                OpenAILine.WriteMessage(writer, "assistant"u8, output);
                writer.EndArray();
            }
            else if (OpenAILine.CarryImported(writer, property) is { } problem) return problem;
        }
        writer.EndObject();
        return null;
    }

    // An optional system message, then exactly one user message and the assistant's answer, all text.
    private static LineProblem? OneTurn(JsonElement messages, out JsonElement? system, out JsonElement user, out JsonElement answer)
    {
        system = null;
        user = answer = default;
        var roles = new List<string>();
        var contents = new List<JsonElement>();
        var number = 0;
        foreach (var message in messages.EnumerateArray())
        {
            number++;
            if (message.ValueKind != JsonValueKind.Object || !message.TryGetProperty("role"u8, out var role) || !OpenAILine.IsString(role)
                || !message.TryGetProperty("content"u8, out var content))
            {
                return new(FormatSkipCodes.Missing, $"message {number} has no role or no content");
            }
            foreach (var property in message.EnumerateObject())
            {
                if (!property.NameEquals("role"u8) && !property.NameEquals("content"u8)) return OpenAILine.NoPlaceFor(Name, property.Name, number);
            }
            var name = role.GetString()!;
            if (name is not ("system" or "user" or "assistant") || (name == "system" && number > 1))
                return new(FormatSkipCodes.Role, $"message {number} is a {name} message; {Name} holds a system message, one user turn and its answer");
            if (!OpenAILine.IsString(content)) return new(FormatSkipCodes.Content, $"message {number}'s content is not text; {Name} holds text");
            roles.Add(name);
            contents.Add(content);
        }

        var first = roles.FirstOrDefault() == "system" ? 1 : 0;
        if (first == 1) system = contents[0];
        var users = roles.Count(role => role == "user");
        if (users != 1) return new(FormatSkipCodes.Turns, $"{Name} holds one user turn; this example has {users}");
        if (roles.Count - first != 2 || roles[first] != "user" || roles[first + 1] != "assistant")
            return new(FormatSkipCodes.Turns, $"{Name} holds one user turn and the answer to it; this example has {roles.Count - first} messages after the system message");
        user = contents[first];
        answer = contents[first + 1];
        return null;
    }

    private static void WriteUserMessage(JsonLineWriter writer, JsonElement instruction, JsonElement input)
    {
        writer.StartObject();
        writer.Name("role");
        writer.String("user"u8);
        writer.Name("content");
        if (IsEmpty(input)) writer.Value(instruction);
        else if (IsEmpty(instruction)) writer.Value(input);
        else writer.JoinedString(instruction, "\\n\\n"u8, input);
        writer.EndObject();
    }

    // The key's text, an empty string when it is missing, null when it is there but not text.
    private static JsonElement? TextOrEmpty(JsonElement line, string key) =>
        !line.TryGetProperty(key, out var value) ? Empty : OpenAILine.IsString(value) ? value : null;

    private static readonly JsonElement Empty = JsonElement.Parse("\"\"");

    private static bool IsEmpty(JsonElement text) => text.ValueEquals(""u8);

    private static bool IsHistory(JsonElement history) =>
        history.ValueKind == JsonValueKind.Array && history.EnumerateArray().All(pair =>
            pair.ValueKind == JsonValueKind.Array && pair.GetArrayLength() == 2 && OpenAILine.IsString(pair[0]) && OpenAILine.IsString(pair[1]));
}
