using System.Text;
using System.Text.Json;

namespace FineTune.Checker;

// ShareGPT: {"conversations": [{"from": "system|human|gpt", "value": "..."}]}. Text turns only: a tool message, tool calls,
// content parts or a message weight cannot be written. Read back, "user" and "assistant" are taken for "human" and "gpt",
// and a "system" beside the conversations (LLaMA-Factory's) becomes the first message.
internal static class ShareGptFormat
{
    private const string Name = "ShareGPT";
    private static readonly string[] OwnKeys = ["conversations", "system"];

    public static LineProblem? Export(JsonElement line, JsonLineWriter writer)
    {
        if (OpenAILine.IsPreference(line)) return OpenAILine.Preference(Name);
        if (!OpenAILine.TryGetList(line, "messages", out _)) return OpenAILine.NotAList("messages");
        writer.StartObject();
        foreach (var property in line.EnumerateObject())
        {
            if (property.NameEquals("messages"u8))
            {
                writer.Name("conversations");
                writer.StartArray();
                var number = 0;
                foreach (var message in property.Value.EnumerateArray())
                {
                    if (Turn(message, ++number, writer, ToShareGpt) is { } problem) return problem;
                }
                writer.EndArray();
            }
            else if (OpenAILine.CarryExported(writer, property, Name, OwnKeys) is { } problem) return problem;
        }
        writer.EndObject();
        return null;
    }

    public static LineProblem? Import(JsonElement line, JsonLineWriter writer)
    {
        if (!OpenAILine.TryGetList(line, "conversations", out _)) return new(FormatSkipCodes.OtherFormat, "the line has no \"conversations\" list");
        var hasSystem = line.TryGetProperty("system"u8, out var system);
        if (hasSystem && !OpenAILine.IsString(system)) return new(FormatSkipCodes.Content, "\"system\" is not text");
        writer.StartObject();
        foreach (var property in line.EnumerateObject())
        {
            if (property.NameEquals("conversations"u8))
            {
                writer.Name("messages");
                writer.StartArray();
                if (hasSystem) OpenAILine.WriteMessage(writer, "system"u8, system);
                var number = 0;
                foreach (var turn in property.Value.EnumerateArray())
                {
                    if (Turn(turn, ++number, writer, FromShareGpt) is { } problem) return problem;
                }
                writer.EndArray();
            }
            else if (property.NameEquals("system"u8)) continue;
            else if (OpenAILine.CarryImported(writer, property) is { } problem) return problem;
        }
        writer.EndObject();
        return null;
    }

    // How one side's turn becomes the other's: its two keys renamed, its role word mapped, nothing else carried.
    private sealed record TurnMapping(
        string Noun, string RoleKey, string TextKey, string NewRoleKey, string NewTextKey, Dictionary<string, string> Roles, string UnknownRole, string Cannot);

    // role and content become from and value.
    private static readonly TurnMapping ToShareGpt = new("message", "role", "content", "from", "value",
        new() { ["system"] = "system", ["user"] = "human", ["assistant"] = "gpt" },
        $"{Name} has system, human and gpt turns", $"which {Name} has no place for");

    // from and value become role and content; "user" and "assistant" are read as "human" and "gpt" are.
    private static readonly TurnMapping FromShareGpt = new("turn", "from", "value", "role", "content",
        new() { ["system"] = "system", ["human"] = "user", ["user"] = "user", ["gpt"] = "assistant", ["assistant"] = "assistant" },
        "only system, human and gpt turns are read (no tool turns)", "which an OpenAI message made from it has no place for");

    private static LineProblem? Turn(JsonElement turn, int number, JsonLineWriter writer, TurnMapping mapping)
    {
        var what = $"{mapping.Noun} {number}";
        if (turn.ValueKind != JsonValueKind.Object) return new(FormatSkipCodes.Missing, $"{what} is not an object");
        if (!turn.TryGetProperty(mapping.RoleKey, out _) || !turn.TryGetProperty(mapping.TextKey, out _))
            return new(FormatSkipCodes.Missing, $"{what} has no \"{mapping.RoleKey}\" or no \"{mapping.TextKey}\"");
        writer.StartObject();
        foreach (var property in turn.EnumerateObject())
        {
            if (property.NameEquals(mapping.RoleKey))
            {
                if (property.Value.ValueKind != JsonValueKind.String || !mapping.Roles.TryGetValue(property.Value.GetString()!, out var role))
                    return new(FormatSkipCodes.Role, $"{what} has {mapping.RoleKey} \"{property.Value}\"; {mapping.UnknownRole}");
                writer.Name(mapping.NewRoleKey);
                writer.String(Encoding.UTF8.GetBytes(role));
            }
            else if (property.NameEquals(mapping.TextKey))
            {
                if (!OpenAILine.IsString(property.Value)) return new(FormatSkipCodes.Content, $"{what}'s {mapping.TextKey} is not text; {Name} turns hold text");
                writer.Name(mapping.NewTextKey);
                writer.Value(property.Value);
            }
            else return new(FormatSkipCodes.Key, $"{what} has \"{property.Name}\", {mapping.Cannot}");
        }
        writer.EndObject();
        return null;
    }
}
