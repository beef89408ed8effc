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

    // The template cut once, when it is parsed: literal text (a string) and the paths between it, rendered per answer.
    private readonly List<object> _parts;

    private Template(string text, List<object> parts)
    {
        _text = text;
        _parts = parts;
    }

    // problems: one message per placeholder that can never render (no namespace, an unknown one, a sample field
    // FineTune does not have, a first item field the items lack).
    public static Template Parse(string text, IReadOnlySet<string> itemFields, List<string> problems)
    {
        var parts = new List<object>();
        var at = 0;
        foreach (Match match in Placeholder().Matches(text))
        {
            if (match.Index > at) parts.Add(text[at..match.Index]);
            at = match.Index + match.Length;
            var path = TemplatePath.Parse(match.Groups[1].Value);
            parts.Add((object?)path ?? match.Value);
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
        }
        if (at < text.Length) parts.Add(text[at..]);
        return new Template(text, parts);
    }

    // TemplateException when a path is missing on this item or answer: the grader's grade is then an error.
    public string Render(GradingContext context)
    {
        // Most templates are one placeholder ({{ sample.output_text }}, {{ item.reference }}): no copy.
        if (_parts.Count == 1) return Render(_parts[0], context);
        var text = new StringBuilder();
        foreach (var part in _parts) text.Append(Render(part, context));
        return text.ToString();
    }

    private static string Render(object part, GradingContext context) => part as string ?? ((TemplatePath)part).Render(context);

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

    public string Render(GradingContext context) =>
        Namespace == "sample" && _steps is ["output_text"] ? context.OutputText : Template.Text(Resolve(context));

    public JsonElement Resolve(GradingContext context)
    {
        var value = Namespace == "item" ? context.Item.Values : context.SampleValues;
        for (var taken = 0; taken < _steps.Count; taken++)
        {
            var found = _steps[taken] is string name
                ? value.ValueKind == JsonValueKind.Object && value.TryGetProperty(name, out value)
                : value.ValueKind == JsonValueKind.Array && (int)_steps[taken] < value.GetArrayLength();
            if (found && _steps[taken] is int index) value = value[index];
            if (!found) throw new TemplateException(MissingMessage(Walked(taken + 1), context));
        }
        return value;
    }

    // The path as far as its first steps, for the message that says where it broke off ("item.meta.tags[1]").
    private string Walked(int steps)
    {
        var walked = new StringBuilder(Namespace);
        foreach (var step in _steps.Take(steps)) _ = step is string name ? walked.Append('.').Append(name) : walked.Append('[').Append((int)step).Append(']');
        return walked.ToString();
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
