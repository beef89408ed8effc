using System.Text.Json;
using System.Text.Json.Nodes;

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
        Values = TemplateValues(fields, messages, reference, input);
    }

    public int Line { get; }
    public IReadOnlyList<EvalMessage> Messages { get; }
    public string? Reference { get; }
    public string? Input { get; }

    // The whole line (a JSON object), for templates naming its other keys.
    public JsonElement Fields { get; }

    // What {{ item.… }} reads: the line's keys, with messages, reference and input as this item derives them.
    internal JsonElement Values { get; }

    // FormatException naming the line when it is not a JSON object.
    public static EvalItem Parse(int line, string json)
    {
        JsonElement fields;
        try
        {
            using var document = JsonDocument.Parse(json);
            fields = document.RootElement.Clone();
        }
        catch (JsonException e)
        {
            throw new FormatException($"line {line}: not JSON ({e.Message})", e);
        }
        if (fields.ValueKind != JsonValueKind.Object) throw new FormatException($"line {line}: expected a JSON object, found {fields.ValueKind}");

        if (!fields.TryGetProperty("messages", out var messages)) return new EvalItem(line, [], null, null, fields);
        if (messages.ValueKind != JsonValueKind.Array) throw new FormatException($"line {line}: messages is not a list");

        var all = messages.EnumerateArray().Select(message => ReadMessage(line, message)).ToList();
        var lastAssistant = all.FindLastIndex(message => message.Role == "assistant");
        var prompt = lastAssistant < 0 ? all : all[..lastAssistant];
        var reference = lastAssistant < 0 ? null : all[lastAssistant].Content;
        var input = prompt.LastOrDefault(message => message.Role == "user")?.Content;
        return new EvalItem(line, prompt, reference, input, fields);
    }

    // Every item of a JSONL test set, numbered by line (blank lines are skipped), read as it streams by: the Api, the
    // Worker and the CLI read test sets through this one loop. FormatException naming the first line that is no item.
    public static async IAsyncEnumerable<EvalItem> ReadAsync(TextReader reader, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var line = 0;
        while (await reader.ReadLineAsync(cancellationToken) is { } text)
        {
            line++;
            if (!string.IsNullOrWhiteSpace(text)) yield return Parse(line, text);
        }
    }

    // The fields every item has, which are all a template may name; null when there are no items.
    public static async Task<IReadOnlySet<string>?> CommonFieldNamesAsync(IAsyncEnumerable<EvalItem> items)
    {
        HashSet<string>? common = null;
        await foreach (var item in items)
        {
            if (common is null) common = [.. item.FieldNames];
            else common.IntersectWith(item.FieldNames);
        }
        return common;
    }

    // The prompt a run sends: a run's system prompt replaces the item's own.
    public IReadOnlyList<EvalMessage> PromptWith(string? systemPrompt) =>
        systemPrompt is null
            ? Messages
            : [new EvalMessage("system", systemPrompt), .. Messages.Where(message => message.Role is not ("system" or "developer"))];

    // The names templates may use after "item.": messages, reference and input when present, and every top-level key.
    public IReadOnlySet<string> FieldNames => Values.EnumerateObject().Select(property => property.Name).ToHashSet(StringComparer.Ordinal);

    private static EvalMessage ReadMessage(int line, JsonElement message)
    {
        if (message.ValueKind != JsonValueKind.Object || !message.TryGetProperty("role", out var role) || role.ValueKind != JsonValueKind.String)
        {
            throw new FormatException($"line {line}: each message needs a role");
        }
        return new EvalMessage(role.GetString()!, message.TryGetProperty("content", out var content) ? ContentText(content) : "");
    }

    // Content is a string or a list of parts; only the text parts are text (images and audio have none to grade).
    internal static string ContentText(JsonElement content) => content.ValueKind switch
    {
        JsonValueKind.String => content.GetString()!,
        JsonValueKind.Array => string.Concat(content.EnumerateArray().Select(ContentText)),
        JsonValueKind.Object when content.TryGetProperty("text", out var text) && text.ValueKind == JsonValueKind.String => text.GetString()!,
        _ => "",
    };

    private static JsonElement TemplateValues(JsonElement fields, IReadOnlyList<EvalMessage> messages, string? reference, string? input)
    {
        var values = JsonNode.Parse(fields.GetRawText())!.AsObject();
        if (fields.TryGetProperty("messages", out _))
        {
            values["messages"] = new JsonArray([.. messages.Select(message => new JsonObject { ["role"] = message.Role, ["content"] = message.Content })]);
        }
        if (reference is not null) values["reference"] = reference;
        if (input is not null) values["input"] = input;
        return JsonSerializer.SerializeToElement(values);
    }
}
