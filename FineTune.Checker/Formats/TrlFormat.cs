using System.Text.Json;

namespace FineTune.Checker;

// Hugging Face TRL's dataset shapes. A chat example is TRL's conversational shape, which is OpenAI's own:
// {"messages": [...], "tools"?}, the messages handed as they are to the model's chat template. A preference (DPO)
// example becomes {"prompt": input.messages, "chosen": preferred_output, "rejected": non_preferred_output} with the
// input's tools beside them. What chat templates do not read cannot be written: a message weight (TRL would train
// on a turn the data excludes), legacy functions, parallel_tool_calls, content parts other than text.
// Read back: conversational lines as they are; {"prompt", "completion"} as one conversation; the preference shape also
// with plain text prompt, chosen and rejected (a user message and assistant answers).
internal static class TrlFormat
{
    private const string Name = "TRL";
    private static readonly string[] OwnKeys = ["prompt", "completion", "chosen", "rejected"];
    private static readonly string[] MessageKeys = ["role", "content", "name", "tool_calls", "tool_call_id"];
    private static readonly string[] Roles = ["system", "user", "assistant", "tool"];

    public static LineProblem? Export(JsonElement line, JsonLineWriter writer)
    {
        var preference = OpenAILine.IsPreference(line);
        if (preference && !(line.TryGetProperty("input"u8, out var input) && input.ValueKind == JsonValueKind.Object))
            return new(FormatSkipCodes.Missing, "the preference example has no \"input\" object");
        if (!preference && !OpenAILine.TryGetList(line, "messages", out _)) return OpenAILine.NotAList("messages");

        writer.StartObject();
        foreach (var property in line.EnumerateObject())
        {
            var problem = property.Name switch
            {
                "messages" when !preference => Messages(writer, "messages", property.Value),
                "tools" when !preference => Carry(writer, property),
                "input" when preference => Prompt(writer, property.Value),
                "preferred_output" when preference => Messages(writer, "chosen", property.Value),
                "non_preferred_output" when preference => Messages(writer, "rejected", property.Value),
                _ => OpenAILine.CarryExported(writer, property, Name, OwnKeys),
            };
            if (problem is not null) return problem;
        }
        writer.EndObject();
        return null;
    }

    // A line with "messages" is OpenAI's shape already and is taken as it is (null: copy it); a prompt with a
    // completion or with chosen and rejected answers is rewritten.
    public static LineProblem? Import(JsonElement line, JsonLineWriter writer, out bool asItIs)
    {
        asItIs = line.TryGetProperty("messages"u8, out _);
        if (asItIs) return null;
        if (!line.TryGetProperty("prompt"u8, out var prompt))
            return new(FormatSkipCodes.Missing, "the example has no \"prompt\" (implicit prompts, inside chosen and rejected, are not read)");
        var preference = line.TryGetProperty("chosen"u8, out _) || line.TryGetProperty("rejected"u8, out _);
        if (!preference && !line.TryGetProperty("completion"u8, out _))
            return new(FormatSkipCodes.OtherFormat, "the example has a \"prompt\" but no \"completion\" and no \"chosen\" and \"rejected\"");

        writer.StartObject();
        foreach (var property in line.EnumerateObject())
        {
            var problem = property.Name switch
            {
                "prompt" when preference => ImportPrompt(writer, prompt, line),
                "prompt" => ImportConversation(writer, prompt, line.GetProperty("completion"u8)),
                "completion" when !preference => null,
                "tools" when preference => null,
                "chosen" when preference => ImportAnswers(writer, "preferred_output", property.Value),
                "rejected" when preference => ImportAnswers(writer, "non_preferred_output", property.Value),
                "tools" => Carry(writer, property),
                var key when OwnKeys.Contains(key) => OpenAILine.ClashingKey("OpenAI's format", key),
                _ => OpenAILine.CarryImported(writer, property),
            };
            if (problem is not null) return problem;
        }
        writer.EndObject();
        return null;
    }

    private static LineProblem? Prompt(JsonLineWriter writer, JsonElement input)
    {
        if (!OpenAILine.TryGetList(input, "messages", out var messages)) return OpenAILine.NotAList("input.messages");
        if (Messages(writer, "prompt", messages) is { } problem) return problem;
        foreach (var property in input.EnumerateObject())
        {
            if (property.NameEquals("tools"u8)) Carry(writer, property);
            else if (!property.NameEquals("messages"u8)) return OpenAILine.NoPlaceFor(Name, "input." + property.Name);
        }
        return null;
    }

    // The messages as they are, once each is one a chat template reads.
    private static LineProblem? Messages(JsonLineWriter writer, string key, JsonElement messages)
    {
        if (messages.ValueKind != JsonValueKind.Array) return OpenAILine.NotAList(key);
        var number = 0;
        foreach (var message in messages.EnumerateArray())
        {
            number++;
            if (message.ValueKind != JsonValueKind.Object) return new(FormatSkipCodes.Missing, $"message {number} is not an object");
            foreach (var property in message.EnumerateObject())
            {
                if (!MessageKeys.Contains(property.Name)) return OpenAILine.NoPlaceFor(Name, property.Name, number);
            }
            if (message.TryGetProperty("role"u8, out var role) && !Roles.Contains(role.ToString()))
                return new(FormatSkipCodes.Role, $"message {number} is a {role} message; {Name}'s chat templates read system, user, assistant and tool messages");
            if (message.TryGetProperty("content"u8, out var content) && !IsText(content))
                return new(FormatSkipCodes.Content, $"message {number}'s content has parts other than text; {Name} holds text parts");
        }
        writer.Name(key);
        writer.Value(messages);
        return null;
    }

    private static bool IsText(JsonElement content) => content.ValueKind switch
    {
        JsonValueKind.String or JsonValueKind.Null => true,
        JsonValueKind.Array => content.EnumerateArray().All(part =>
            part.ValueKind == JsonValueKind.Object && part.TryGetProperty("type"u8, out var type) && type.ValueEquals("text"u8)),
        _ => false,
    };

    // {"input": {"messages": PROMPT, "tools": TOOLS}}: the tools written where the prompt is, wherever the line has them.
    private static LineProblem? ImportPrompt(JsonLineWriter writer, JsonElement prompt, JsonElement line)
    {
        writer.Name("input");
        writer.StartObject();
        writer.Name("messages");
        if (ImportMessages(writer, prompt, "user"u8, "prompt") is { } problem) return problem;
        if (line.TryGetProperty("tools"u8, out var tools))
        {
            writer.Name("tools");
            writer.Value(tools);
        }
        writer.EndObject();
        return null;
    }

    private static LineProblem? ImportAnswers(JsonLineWriter writer, string key, JsonElement answers)
    {
        writer.Name(key);
        return ImportMessages(writer, answers, "assistant"u8, key == "preferred_output" ? "chosen" : "rejected");
    }

    private static LineProblem? ImportConversation(JsonLineWriter writer, JsonElement prompt, JsonElement completion)
    {
        if (prompt.ValueKind != completion.ValueKind || prompt.ValueKind is not (JsonValueKind.Array or JsonValueKind.String))
            return new(FormatSkipCodes.Content, "\"prompt\" and \"completion\" must both be lists of messages or both be text");
        writer.Name("messages");
        writer.StartArray();
        if (prompt.ValueKind == JsonValueKind.String)
        {
            OpenAILine.WriteMessage(writer, "user"u8, prompt);
            OpenAILine.WriteMessage(writer, "assistant"u8, completion);
        }
        else
        {
            foreach (var message in prompt.EnumerateArray()) writer.Value(message);
            foreach (var message in completion.EnumerateArray()) writer.Value(message);
        }
        writer.EndArray();
        return null;
    }

    // A list of messages as it is, or text as one message of the role given.
    private static LineProblem? ImportMessages(JsonLineWriter writer, JsonElement value, ReadOnlySpan<byte> role, string key)
    {
        if (value.ValueKind == JsonValueKind.Array) writer.Value(value);
        else if (value.ValueKind == JsonValueKind.String)
        {
            writer.StartArray();
            OpenAILine.WriteMessage(writer, role, value);
            writer.EndArray();
        }
        else return new(FormatSkipCodes.Content, $"\"{key}\" must be a list of messages or text");
        return null;
    }

    private static LineProblem? Carry(JsonLineWriter writer, JsonProperty property)
    {
        writer.Property(property);
        return null;
    }
}
