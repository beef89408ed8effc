using System.Text.Json;

namespace FineTune.Evals;

// A prompt or answer message as templates and judges see it.
public sealed record EvalMessage(string Role, string Content);

// One line of an eval's test set as graders and templates see it: item.messages (the prompt: every message before the
// last assistant message), item.reference (that last assistant message's content), item.input (the last user message's
// content before it) and every other top-level key of the line.
public sealed class EvalItem
{
    private EvalItem(int line, IReadOnlyList<EvalMessage> messages, string? reference, string? input, JsonElement fields)
    {
        Line = line;
        Messages = messages;
        Reference = reference;
        Input = input;
        Fields = fields;
    }

    public int Line { get; }
    public IReadOnlyList<EvalMessage> Messages { get; }
    public string? Reference { get; }
    public string? Input { get; }

    // The whole line (a JSON object), for templates naming its other keys.
    public JsonElement Fields { get; }

    // FormatException naming the line when it is not a JSON object.
    public static EvalItem Parse(int line, string json) => json.Length < 0 ? new EvalItem(line, [], null, null, default) : throw new NotImplementedException();

    // The names templates may use after "item.": messages, reference and input when present, and every top-level key.
    public IReadOnlySet<string> FieldNames => throw new NotImplementedException();
}
