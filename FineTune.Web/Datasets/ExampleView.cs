using System.Text.Encodings.Web;
using System.Text.Json;

namespace FineTune.Web.Datasets;

// One dataset line made ready to show as a conversation: its messages in order with their roles, text
// parts, tool calls and weights; a preference example as its input and its two outputs. Everything
// stays plain text, rendered by Blazor as text: dataset content is never markup.
public sealed record ExampleView(
    int Line,
    string Text,
    string? JsonError,
    IReadOnlyList<ExampleSection> Sections,
    IReadOnlyList<ExampleExtra> Extras)
{
    private static readonly JsonSerializerOptions Indented = new()
    {
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public bool IsBlank => string.IsNullOrWhiteSpace(Text);

    // What the editor starts from: indented JSON when the line parses, the line itself when it does not.
    public string EditableText => JsonError is null && !IsBlank ? Pretty(Text) : Text;

    public static ExampleView Parse(int line, string text)
    {
        if (string.IsNullOrWhiteSpace(text)) return new(line, text, null, [], []);
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(text);
        }
        catch (JsonException e)
        {
            return new(line, text, e.Message, [], []);
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object) return new(line, text, null, [], [new ExampleExtra("value", Pretty(root))]);

            var sections = new List<ExampleSection>();
            var extras = new List<ExampleExtra>();
            foreach (var property in root.EnumerateObject())
            {
                switch (property.Name)
                {
                    case "messages":
                        sections.Add(new ExampleSection(null, Turns(property.Value)));
                        break;
                    case "input" when property.Value.ValueKind == JsonValueKind.Object && property.Value.TryGetProperty("messages", out var input):
                        sections.Add(new ExampleSection("Input", Turns(input)));
                        foreach (var other in property.Value.EnumerateObject().Where(p => p.Name != "messages"))
                            extras.Add(new ExampleExtra("input." + other.Name, Pretty(other.Value)));
                        break;
                    case "preferred_output":
                        sections.Add(new ExampleSection("Preferred output", Turns(property.Value)));
                        break;
                    case "non_preferred_output":
                        sections.Add(new ExampleSection("Non-preferred output", Turns(property.Value)));
                        break;
                    default:
                        extras.Add(new ExampleExtra(property.Name, Pretty(property.Value)));
                        break;
                }
            }
            return new(line, text, null, sections, extras);
        }
    }

    private static List<ExampleTurn> Turns(JsonElement messages)
    {
        if (messages.ValueKind != JsonValueKind.Array) return [new ExampleTurn("?", null, [new ExamplePart(false, Pretty(messages))], [], null, null)];
        var turns = new List<ExampleTurn>();
        foreach (var message in messages.EnumerateArray())
        {
            if (message.ValueKind != JsonValueKind.Object)
            {
                turns.Add(new ExampleTurn("?", null, [new ExamplePart(false, Pretty(message))], [], null, null));
                continue;
            }
            var role = message.TryGetProperty("role", out var r) && r.ValueKind == JsonValueKind.String ? r.GetString()! : "(no role)";
            var name = message.TryGetProperty("name", out var n) && n.ValueKind == JsonValueKind.String ? n.GetString() : null;
            var toolCallId = message.TryGetProperty("tool_call_id", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
            var weight = message.TryGetProperty("weight", out var w) && w.ValueKind == JsonValueKind.Number && w.TryGetInt32(out var wv) ? wv : (int?)null;
            turns.Add(new ExampleTurn(role, name, Parts(message), ToolCalls(message), toolCallId, weight));
        }
        return turns;
    }

    private static List<ExamplePart> Parts(JsonElement message)
    {
        if (!message.TryGetProperty("content", out var content) || content.ValueKind == JsonValueKind.Null) return [];
        if (content.ValueKind == JsonValueKind.String) return [new ExamplePart(true, content.GetString()!)];
        if (content.ValueKind != JsonValueKind.Array) return [new ExamplePart(false, Pretty(content))];

        var parts = new List<ExamplePart>();
        foreach (var part in content.EnumerateArray())
        {
            var type = part.ValueKind == JsonValueKind.Object && part.TryGetProperty("type", out var ty) ? ty.ToString() : null;
            if (type == "text" && part.TryGetProperty("text", out var text) && text.ValueKind == JsonValueKind.String)
                parts.Add(new ExamplePart(true, text.GetString()!));
            else if (type == "image_url" && part.TryGetProperty("image_url", out var image) && image.ValueKind == JsonValueKind.Object
                     && image.TryGetProperty("url", out var url) && url.ValueKind == JsonValueKind.String)
                parts.Add(new ExamplePart(true, "[image] " + Shorten(url.GetString()!)));
            else
                parts.Add(new ExamplePart(false, Pretty(part)));
        }
        return parts;
    }

    private static List<ExampleToolCall> ToolCalls(JsonElement message)
    {
        var calls = new List<ExampleToolCall>();
        if (message.TryGetProperty("tool_calls", out var toolCalls) && toolCalls.ValueKind == JsonValueKind.Array)
        {
            foreach (var call in toolCalls.EnumerateArray())
            {
                var id = call.ValueKind == JsonValueKind.Object && call.TryGetProperty("id", out var i) ? i.ToString() : null;
                calls.Add(call.ValueKind == JsonValueKind.Object && call.TryGetProperty("function", out var function)
                    ? FunctionCall(id, function)
                    : new ExampleToolCall(id, "?", Pretty(call)));
            }
        }
        if (message.TryGetProperty("function_call", out var functionCall)) calls.Add(FunctionCall(null, functionCall));
        return calls;
    }

    private static ExampleToolCall FunctionCall(string? id, JsonElement function)
    {
        if (function.ValueKind != JsonValueKind.Object) return new ExampleToolCall(id, "?", Pretty(function));
        var name = function.TryGetProperty("name", out var n) ? n.ToString() : "?";
        var arguments = function.TryGetProperty("arguments", out var a)
            ? a.ValueKind == JsonValueKind.String ? PrettyIfJson(a.GetString()!) : Pretty(a)
            : "";
        return new ExampleToolCall(id, name, arguments);
    }

    // Data URLs of images are long and say nothing to a reader.
    private static string Shorten(string url) => url.Length > 120 ? url[..100] + "…" : url;

    private static string PrettyIfJson(string text)
    {
        try
        {
            using var document = JsonDocument.Parse(text);
            return Pretty(document.RootElement);
        }
        catch (JsonException)
        {
            return text;
        }
    }

    public static string Pretty(string json)
    {
        using var document = JsonDocument.Parse(json);
        return Pretty(document.RootElement);
    }

    private static string Pretty(JsonElement element) => JsonSerializer.Serialize(element, Indented);
}

public sealed record ExampleSection(string? Title, IReadOnlyList<ExampleTurn> Turns);

public sealed record ExampleTurn(
    string Role, string? Name, IReadOnlyList<ExamplePart> Parts, IReadOnlyList<ExampleToolCall> ToolCalls, string? ToolCallId, int? Weight);

// IsText: prose to show as it is; otherwise JSON to show as code.
public sealed record ExamplePart(bool IsText, string Text);

public sealed record ExampleToolCall(string? Id, string Name, string Arguments);

// A key beside the messages (tools, functions, a reinforcement example's free keys), as indented JSON.
public sealed record ExampleExtra(string Key, string Json);
