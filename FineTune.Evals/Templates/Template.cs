using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace FineTune.Evals;

// OpenAI's grader templates: text with {{ item.path }} and {{ sample.path }} in it. A path is names and [index]es, as in
// {{ item.answer.value }} or {{ sample.output_json.steps[0] }}. Checked when the grader is parsed; rendered per answer.
internal sealed partial class Template
{
    private static readonly string[] SampleFields = ["output_text", "output_json"];

    private readonly string _text;
    private readonly List<TemplatePath> _paths;

    private Template(string text, List<TemplatePath> paths)
    {
        _text = text;
        _paths = paths;
    }

    public IReadOnlyList<TemplatePath> Paths => _paths;

    // True when the template is one placeholder and nothing else: the grader reads that value as it is.
    public bool IsOnly(string path) => _paths.Count == 1 && _paths[0].Text == path && Placeholder().Replace(_text, "").Length == 0;

    // problems: one message per placeholder that can never render (no namespace, an unknown one, a sample field
    // FineTune does not have, a first item field the items lack).
    public static Template Parse(string text, IReadOnlySet<string> itemFields, List<string> problems)
    {
        var paths = new List<TemplatePath>();
        foreach (Match match in Placeholder().Matches(text))
        {
            var path = TemplatePath.Parse(match.Groups[1].Value);
            if (path is null)
            {
                problems.Add($"template {match.Value} is not a path like {{{{ item.field }}}} or {{{{ sample.output_text }}}}");
            }
            else if (path.Namespace == "item" && !itemFields.Contains(path.Field))
            {
                problems.Add($"template {path} names a field the items do not have");
            }
            else if (path.Namespace == "sample" && !SampleFields.Contains(path.Field))
            {
                problems.Add($"template {path} names a sample field FineTune does not have (it has {string.Join(", ", SampleFields)})");
            }
            else
            {
                paths.Add(path);
            }
        }
        return new Template(text, paths);
    }

    // TemplateException when a path is missing on this item or answer: the grader's grade is then an error.
    public string Render(GradingContext context) =>
        Placeholder().Replace(_text, match => TemplatePath.Parse(match.Groups[1].Value) is { } path ? Text(path.Resolve(context)) : match.Value);

    // The value as a string: a string as it is, anything else as its JSON.
    public static string Text(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString()!,
        JsonValueKind.Null => "",
        _ => value.GetRawText(),
    };

    public override string ToString() => _text;

    [GeneratedRegex(@"\{\{\s*(.*?)\s*\}\}")]
    private static partial Regex Placeholder();
}

// item.answer.value, sample.output_json.steps[0]: a namespace, then names and indexes.
internal sealed partial class TemplatePath
{
    private readonly List<object> _steps;

    private TemplatePath(string text, string ns, List<object> steps)
    {
        Text = text;
        Namespace = ns;
        _steps = steps;
    }

    public string Text { get; }
    public string Namespace { get; }

    // The first name after the namespace: the item field or sample field the path starts from.
    public string Field => (string)_steps[0];

    public static TemplatePath? Parse(string text)
    {
        var match = PathPattern().Match(text);
        if (!match.Success) return null;
        var steps = new List<object>();
        foreach (Capture step in match.Groups["step"].Captures)
        {
            steps.Add(step.Value[0] == '[' ? int.Parse(step.Value[1..^1], System.Globalization.CultureInfo.InvariantCulture) : step.Value[1..]);
        }
        return new TemplatePath(text, match.Groups["ns"].Value, steps);
    }

    public JsonElement Resolve(GradingContext context)
    {
        var value = Namespace == "item" ? context.Item.Values : context.SampleValues;
        var walked = new StringBuilder(Namespace);
        foreach (var step in _steps)
        {
            var found = false;
            if (step is string name)
            {
                walked.Append('.').Append(name);
                found = value.ValueKind == JsonValueKind.Object && value.TryGetProperty(name, out value);
            }
            else
            {
                var index = (int)step;
                walked.Append('[').Append(index).Append(']');
                found = value.ValueKind == JsonValueKind.Array && index < value.GetArrayLength();
                if (found) value = value[index];
            }
            if (!found) throw new TemplateException(MissingMessage(walked.ToString(), context));
        }
        return value;
    }

    public override string ToString() => $"{{{{ {Text} }}}}";

    private string MissingMessage(string walked, GradingContext context) =>
        Namespace == "sample" && Field == "output_json" && context.OutputJson is null
            ? $"{this}: the answer is not JSON"
            : $"{this}: {walked} is missing on line {context.Item.Line}";

    [GeneratedRegex(@"^(?<ns>item|sample)(?<step>\.[A-Za-z_][A-Za-z0-9_\-]*)(?<step>\.[A-Za-z_][A-Za-z0-9_\-]*|\[\d+\])*$")]
    private static partial Regex PathPattern();
}

// A template that cannot render for this item or answer; the grader's grade becomes an error with this message.
internal sealed class TemplateException(string message) : Exception(message);
