using System.Text.Json;

namespace FineTune.Evals;

// Reads one grader's JSON, adding one problem per missing or wrong key, each naming the grader: "grader 'exact'
// (string_check): missing required key 'operation'". A reader that found problems gives no grader.
internal sealed class GraderReader(JsonElement json, string name, string type, IReadOnlySet<string> itemFields, List<string> problems)
{
    private int _problems;
    private GraderReader? _parent;

    public JsonElement Json { get; } = json;
    public string Name { get; } = name;
    public string Type { get; } = type;
    public IReadOnlySet<string> ItemFields { get; } = itemFields;
    public List<string> AllProblems { get; } = problems;
    public bool HasProblems => _problems > 0;

    public void Problem(string message)
    {
        _problems++;
        if (_parent is not null) _parent.Problem(message);
        else AllProblems.Add($"grader '{Name}' ({Type}): {message}");
    }

    // A reader of an object inside this grader (its sampling_params): its problems are this grader's.
    public GraderReader Within(JsonElement inner) => new(inner, Name, Type, ItemFields, AllProblems) { _parent = this };

    public bool Has(string key) => Json.TryGetProperty(key, out var value) && value.ValueKind != JsonValueKind.Null;

    private bool TryGet(string key, bool required, out JsonElement value)
    {
        if (Json.TryGetProperty(key, out value) && value.ValueKind != JsonValueKind.Null) return true;
        if (required) Problem($"missing required key '{key}'");
        return false;
    }

    public string? String(string key, bool required = true)
    {
        if (!TryGet(key, required, out var value)) return null;
        if (value.ValueKind == JsonValueKind.String) return value.GetString();
        Problem($"'{key}' must be a string");
        return null;
    }

    // One of the allowed words, or a problem listing them.
    public string? Choice(string key, IReadOnlyCollection<string> allowed)
    {
        var value = String(key);
        if (value is null || allowed.Contains(value)) return value;
        Problem($"{key} '{value}' is not one of {string.Join(", ", allowed)}");
        return null;
    }

    public double? Number(string key, bool required = false)
    {
        if (!TryGet(key, required, out var value)) return null;
        if (value.ValueKind == JsonValueKind.Number) return value.GetDouble();
        Problem($"'{key}' must be a number");
        return null;
    }

    public IReadOnlyList<string>? Strings(string key)
    {
        if (!TryGet(key, required: true, out var value)) return null;
        if (value.ValueKind == JsonValueKind.Array && value.EnumerateArray().All(item => item.ValueKind == JsonValueKind.String))
        {
            return [.. value.EnumerateArray().Select(item => item.GetString()!)];
        }
        Problem($"'{key}' must be a list of strings");
        return null;
    }

    public Template? Template(string key, string? fallback = null)
    {
        var text = String(key, required: fallback is null) ?? fallback;
        return text is null ? null : ParseTemplate(text);
    }

    public Template ParseTemplate(string text)
    {
        var templateProblems = new List<string>();
        var template = FineTune.Evals.Template.Parse(text, ItemFields, templateProblems);
        templateProblems.ForEach(Problem);
        return template;
    }
}
