namespace FineTune.Checker;

// Why a line was not written in the other format: a stable code and a sentence that says what the line has that the
// format cannot hold.
public sealed record SkippedLine(int Line, string Code, string Reason);

// The codes of SkippedLine.
public static class FormatSkipCodes
{
    // The line is not valid JSON, or not a JSON object.
    public const string InvalidJson = "invalid_json";

    // The line is not an example of the format it is read as.
    public const string OtherFormat = "other_format";

    // A preference (DPO) example for a format that holds one conversation, or a chat example for a preference one.
    public const string ExampleKind = "example_kind";

    // More turns than the format holds (Alpaca: one user turn and its answer).
    public const string Turns = "turns";

    // A role (a ShareGPT "from") the other format has no place for.
    public const string Role = "role";

    // Content that is not text (a list of parts, an image) where the format holds text.
    public const string Content = "content";

    // A key of the example or of a message (a weight, tool calls, tools) the other format has no place for.
    public const string Key = "key";

    // Something the other format needs is missing (a role, an output, a prompt).
    public const string Missing = "missing";
}

internal sealed record LineProblem(string Code, string Reason);
