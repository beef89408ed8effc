using System.Text.Json;

namespace FineTune.Checker;

// What the format converters need to know of OpenAI's lines: their own keys, the two kinds of example, and the
// problems every conversion words the same way.
internal static class OpenAILine
{
    private static readonly string[] OwnKeys = ["messages", "tools", "functions", "parallel_tool_calls", "input", "preferred_output", "non_preferred_output"];

    public static bool IsOwnKey(string name) => OwnKeys.Contains(name);

    public static bool IsPreference(JsonElement line) =>
        line.TryGetProperty("input"u8, out _) || line.TryGetProperty("preferred_output"u8, out _) || line.TryGetProperty("non_preferred_output"u8, out _);

    // A key beside the ones a format is written from: one of OpenAI's has no place there, one of the format's own would
    // change meaning; any other (a reinforcement example's reference answer, an id) goes across as it is.
    public static LineProblem? CarryExported(JsonLineWriter writer, JsonProperty property, string format, string[] formatKeys)
    {
        if (IsOwnKey(property.Name)) return NoPlaceFor(format, property.Name);
        if (formatKeys.Contains(property.Name)) return ClashingKey(format, property.Name);
        writer.Property(property);
        return null;
    }

    // A key beside the ones a line is read from goes across as it is, unless OpenAI's format reads it as its own.
    public static LineProblem? CarryImported(JsonLineWriter writer, JsonProperty property)
    {
        if (IsOwnKey(property.Name)) return ClashingKey("OpenAI's format", property.Name);
        writer.Property(property);
        return null;
    }

    // A key of OpenAI's lines that a format does not hold.
    public static LineProblem NoPlaceFor(string format, string key) =>
        new(FormatSkipCodes.Key, $"{format} has no place for \"{key}\"");

    public static LineProblem NoPlaceFor(string format, string key, int message) =>
        new(FormatSkipCodes.Key, $"message {message} has \"{key}\", which {format} has no place for");

    // A key another format reads as its own would change meaning on the way, so such a line is not written.
    public static LineProblem ClashingKey(string format, string key) =>
        new(FormatSkipCodes.Key, $"\"{key}\" is a key of {format}'s own, so it cannot be carried over as it is");

    public static LineProblem Preference(string format) =>
        new(FormatSkipCodes.ExampleKind, $"{format} holds one conversation; this is a preference (DPO) example with two answers");

    public static LineProblem NotAList(string key) => new(FormatSkipCodes.Missing, $"the example has no \"{key}\" list");

    public static bool TryGetList(JsonElement line, string key, out JsonElement list) =>
        line.TryGetProperty(key, out list) && list.ValueKind == JsonValueKind.Array;

    public static bool IsString(JsonElement value) => value.ValueKind == JsonValueKind.String;

    // {"role": ROLE, "content": CONTENT}, the content copied as it is.
    public static void WriteMessage(JsonLineWriter writer, ReadOnlySpan<byte> role, JsonElement content)
    {
        writer.StartObject();
        writer.Name("role");
        writer.String(role);
        writer.Name("content");
        writer.Value(content);
        writer.EndObject();
    }
}
