using System.Text.Json;
using System.Text.Json.Nodes;

namespace FineTune.Web.Evals;

// Graders to start from, in OpenAI's shapes: each compares the model's answer with the item's reference (the last
// assistant message of a test set line).
public static class GraderTemplates
{
    public const string ExactMatch = "exact match";
    public const string FuzzyMatch = "fuzzy match";

    public static readonly IReadOnlyList<string> All = [ExactMatch, FuzzyMatch];

    private static JsonObject Create(string template) => template switch
    {
        ExactMatch => AnswerAgainstReference("string_check", "exact", ("operation", "eq")),
        FuzzyMatch => AnswerAgainstReference("text_similarity", "fuzzy", ("evaluation_metric", "fuzzy_match"), ("pass_threshold", 0.8)),
        _ => throw new ArgumentOutOfRangeException(nameof(template), template, "No such grader template."),
    };

    private static JsonObject AnswerAgainstReference(string type, string name, params (string Key, JsonNode Value)[] settings)
    {
        var grader = new JsonObject
        {
            ["type"] = type,
            ["name"] = name,
            ["input"] = "{{ sample.output_text }}",
            ["reference"] = "{{ item.reference }}",
        };
        foreach (var (key, value) in settings) grader[key] = value;
        return grader;
    }

    // The graders JSON with the template's grader added, under a name none of them has; a text that is no JSON list starts over.
    public static string Add(string? gradersJson, string template)
    {
        JsonArray graders;
        try
        {
            graders = JsonNode.Parse(string.IsNullOrWhiteSpace(gradersJson) ? "[]" : gradersJson) as JsonArray ?? [];
        }
        catch (JsonException)
        {
            graders = [];
        }
        var grader = Create(template);
        var names = graders.Select(g => g is JsonObject named && named["name"] is JsonValue value && value.TryGetValue<string>(out var text) ? text : null).ToHashSet();
        var name = grader["name"]!.GetValue<string>();
        for (var i = 2; names.Contains(grader["name"]!.GetValue<string>()); i++) grader["name"] = $"{name}-{i}";
        graders.Add(grader);
        return graders.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }
}
