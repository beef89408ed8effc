using System.Text.Json;
using System.Text.Json.Nodes;

namespace FineTune.Evals;

// An eval's definition as teams bring it and take it away.
public static class EvalFormats
{
    // An eval as OpenAI's API returned it (data_source_config, testing_criteria): its name and its graders in the shape
    // GraderSet.Parse takes. FormatException naming what is missing or not understood.
    // Templates stay as they are ({{ item.x }}, {{ sample.output_text }}); judges' input messages become {role, content}
    // with the text of OpenAI's input_text and output_text parts. OpenAI's evals have no pass mark of their own (each
    // grader has its pass_threshold), so PassThreshold is null.
    public static (string Name, JsonElement Graders, double? PassThreshold) ImportOpenAI(JsonElement openAIEval)
    {
        if (openAIEval.ValueKind != JsonValueKind.Object) throw new FormatException("an OpenAI eval is a JSON object");
        if (openAIEval.TryGetProperty("object", out var kind) && kind.GetString() != "eval")
        {
            throw new FormatException($"this is an OpenAI '{kind}', not an 'eval'");
        }
        if (!openAIEval.TryGetProperty("name", out var name) || name.ValueKind != JsonValueKind.String || name.GetString()!.Length == 0)
        {
            throw new FormatException("the eval has no name");
        }
        if (!openAIEval.TryGetProperty("testing_criteria", out var criteria) || criteria.ValueKind != JsonValueKind.Array || criteria.GetArrayLength() == 0)
        {
            throw new FormatException("the eval has no testing_criteria");
        }
        var graders = new JsonArray([.. criteria.EnumerateArray().Select(criterion => ImportGrader(criterion, "testing criterion"))]);
        return (name.GetString()!, JsonSerializer.SerializeToElement(graders), null);
    }

    // A Promptfoo configuration (YAML) that runs the same test set with the same graders, as far as Promptfoo has them.
    public static string ExportPromptfoo(string name, string testSetPath, JsonElement graders, string model) =>
        PromptfooExport.Write(name, testSetPath, graders, model);

    private static JsonObject ImportGrader(JsonElement criterion, string what)
    {
        if (criterion.ValueKind != JsonValueKind.Object) throw new FormatException($"a {what} is not an object");
        var label = criterion.TryGetProperty("name", out var n) ? $"{what} '{n.GetString()}'" : $"a {what}";
        var type = criterion.TryGetProperty("type", out var t) ? t.GetString() : null;
        if (type is null) throw new FormatException($"{label} has no type");
        if (!GraderSet.Types.Contains(type)) throw new FormatException($"{label} is a {type} grader, which FineTune does not run");

        var grader = JsonNode.Parse(criterion.GetRawText())!.AsObject();
        grader.Remove("id");
        if (type is "score_model" or "label_model" && criterion.TryGetProperty("input", out var input) && input.ValueKind == JsonValueKind.Array)
        {
            grader["input"] = new JsonArray([.. input.EnumerateArray().Select(message => ImportMessage(message, label))]);
        }
        if (type == "multi" && criterion.TryGetProperty("graders", out var subs) && subs.ValueKind == JsonValueKind.Object)
        {
            var imported = new JsonObject();
            foreach (var sub in subs.EnumerateObject()) imported[sub.Name] = ImportGrader(sub.Value, $"sub-grader of {label}");
            grader["graders"] = imported;
        }
        return grader;
    }

    private static JsonObject ImportMessage(JsonElement message, string label)
    {
        if (message.ValueKind != JsonValueKind.Object || !message.TryGetProperty("role", out var role))
        {
            throw new FormatException($"{label} has an input message without a role");
        }
        var content = message.TryGetProperty("content", out var c) ? c : default;
        var text = content.ValueKind switch
        {
            JsonValueKind.String => content.GetString()!,
            JsonValueKind.Object or JsonValueKind.Array when TextParts(content).ToList() is var parts && parts.All(part => part is not null) => string.Concat(parts),
            _ => throw new FormatException($"{label} has an input message whose content is not text (FineTune's judges take text only)"),
        };
        return new JsonObject { ["role"] = role.GetString(), ["content"] = text };
    }

    private static IEnumerable<string?> TextParts(JsonElement content) => content.ValueKind == JsonValueKind.Array
        ? content.EnumerateArray().SelectMany(TextParts)
        : [content.TryGetProperty("type", out var type) && type.GetString() is "input_text" or "output_text" && content.TryGetProperty("text", out var text)
            ? text.GetString() : null];
}
