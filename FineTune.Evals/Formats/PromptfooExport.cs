using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace FineTune.Evals;

// A Promptfoo config for an eval, written by hand (the YAML is small and fixed in shape). Each test-set line becomes a
// test case whose vars are the line's keys; transformVars then derives messages (the prompt), reference and input as
// EvalItem does, so {{ item.x }} becomes {{ x }} and {{ sample.output_text }} Promptfoo's {{ output }}. Graders Promptfoo
// has no equivalent for are named in a comment at the top, not dropped silently.
internal static partial class PromptfooExport
{
    private const string DeriveVars = """
        const all = Array.isArray(vars.messages) ? vars.messages : [];
        const text = (c) => typeof c === 'string' ? c : Array.isArray(c) ? c.map((p) => p.text || '').join('') : '';
        let last = -1;
        all.forEach((m, i) => { if (m.role === 'assistant') last = i; });
        const prompt = last < 0 ? all : all.slice(0, last);
        const users = prompt.filter((m) => m.role === 'user');
        const derived = { messages: prompt.map((m) => ({ role: m.role, content: text(m.content) })) };
        if (last >= 0) derived.reference = text(all[last].content);
        if (users.length > 0) derived.input = text(users[users.length - 1].content);
        return { ...vars, ...derived };
        """;

    public static string Write(string name, string testSetPath, JsonElement graders, string model)
    {
        var asserts = new StringBuilder();
        var missing = new List<string>();
        foreach (var grader in graders.ValueKind == JsonValueKind.Array ? graders.EnumerateArray() : Enumerable.Empty<JsonElement>())
        {
            var gradersName = Text(grader, "name") ?? "?";
            var reason = Assert(grader, asserts);
            if (reason is not null) missing.Add($"'{gradersName}' ({Text(grader, "type")}): {reason}");
        }

        var yaml = new StringBuilder();
        yaml.Append("# Promptfoo config for the FineTune eval ").Append(Quote(name)).Append(", exported by FineTune.\n");
        yaml.Append("# The test set's lines are test cases: Promptfoo reads each JSONL line as {\"vars\": {...}}. Make that file with\n");
        yaml.Append("#   jq -c '{vars: .}' <test set> > <file>\n");
        yaml.Append("# and name it under tests. transformVars derives messages, reference and input as FineTune does.\n");
        if (missing.Count > 0)
        {
            yaml.Append("# Not exported, as Promptfoo has no equivalent:\n");
            foreach (var line in missing) yaml.Append("#   ").Append(line.ReplaceLineEndings(" ")).Append('\n');
        }
        yaml.Append("description: ").Append(Quote(name)).Append('\n');
        yaml.Append("prompts:\n  - ").Append(Quote("{{ messages | dump }}")).Append('\n');
        yaml.Append("providers:\n  - id: ").Append(Quote("openai:chat:" + model)).Append('\n');
        yaml.Append("tests: ").Append(Quote("file://" + testSetPath)).Append('\n');
        yaml.Append("defaultTest:\n  options:\n    transformVars: |\n");
        foreach (var line in DeriveVars.Split('\n')) yaml.Append("      ").Append(line).Append('\n');
        yaml.Append("  assert:");
        yaml.Append(asserts.Length == 0 ? " []\n" : "\n" + asserts);
        return yaml.ToString();
    }

    // Appends the grader's assert, or says why there is none.
    private static string? Assert(JsonElement grader, StringBuilder asserts)
    {
        var type = Text(grader, "type");
        var input = Text(grader, "input") ?? RegexGrader.DefaultInput;
        var answerOnly = type is "score_model" or "label_model" or "json_schema" or "multi" || IsOutput(input);
        if (!answerOnly) return $"its input is {input}, and Promptfoo asserts on the answer ({{{{ sample.output_text }}}}) only";

        switch (type)
        {
            case "string_check":
                var operation = Text(grader, "operation") switch
                {
                    "eq" => "equals",
                    "ne" => "not-equals",
                    "like" => "contains",
                    _ => "icontains",
                };
                return Reference(grader, out var reference) ?? Add(asserts, grader, operation, ("value", Quote(reference!)));
            case "text_similarity":
                var metric = Text(grader, "evaluation_metric") switch
                {
                    "cosine" => "similar",
                    "bleu" => "bleu",
                    "gleu" => "gleu",
                    "meteor" => "meteor",
                    "rouge_1" => "rouge-n",
                    var other => null,
                };
                if (metric is null) return $"Promptfoo has no {Text(grader, "evaluation_metric")} (its levenshtein and rouge-n differ)";
                var threshold = grader.TryGetProperty("pass_threshold", out var t) ? t.GetDouble() : 1;
                return Reference(grader, out var expected) ?? Add(asserts, grader, metric, ("value", Quote(expected!)), ("threshold", Number(threshold)));
            case "regex":
                if (!string.IsNullOrEmpty(Text(grader, "flags"))) return "Promptfoo's regex takes no flags";
                return Add(asserts, grader, "regex", ("value", Quote(Text(grader, "pattern") ?? "")));
            case "json_schema":
                return Add(asserts, grader, "is-json", ("value", grader.GetProperty("schema").GetRawText()));
            case "score_model":
            case "label_model":
                return Rubric(grader, type, asserts);
            default:
                return "a multi grader's formula has no Promptfoo equivalent";
        }
    }

    // score_model and label_model as llm-rubric: the judge's own messages as the rubric prompt, and a closing message
    // asking for Promptfoo's {reason, pass, score} in place of OpenAI's shapes.
    private static string? Rubric(JsonElement grader, string type, StringBuilder asserts)
    {
        var messages = new List<(string Role, string Content)>();
        foreach (var message in grader.GetProperty("input").EnumerateArray())
        {
            var content = message.TryGetProperty("content", out var c) && c.ValueKind == JsonValueKind.String ? c.GetString()! : "";
            if (Vars(content) is not { } translated) return "its prompt uses a sample field other than output_text";
            messages.Add((Text(message, "role") ?? "user", translated));
        }
        string closing, value;
        double threshold;
        if (type == "score_model")
        {
            var range = grader.TryGetProperty("range", out var r) ? (r[0].GetDouble(), r[1].GetDouble()) : (0.0, 1.0);
            var pass = grader.TryGetProperty("pass_threshold", out var p) ? p.GetDouble() : (range.Item1 + range.Item2) / 2;
            threshold = (pass - range.Item1) / (range.Item2 - range.Item1);
            value = $"A score from {Number(range.Item1)} to {Number(range.Item2)}, passing at {Number(pass)}";
            closing = $"Score the answer from {Number(range.Item1)} to {Number(range.Item2)} as asked. Reply with only a JSON object: "
                + $"{{\"reason\": string, \"pass\": your score >= {Number(pass)}, \"score\": (your score - {Number(range.Item1)}) / {Number(range.Item2 - range.Item1)}}}";
        }
        else
        {
            var labels = string.Join(", ", grader.GetProperty("labels").EnumerateArray().Select(l => l.GetString()));
            var passing = string.Join(", ", grader.GetProperty("passing_labels").EnumerateArray().Select(l => l.GetString()));
            threshold = 1;
            value = $"A label, one of {labels}; passing: {passing}";
            closing = $"Choose one label: {labels}. Reply with only a JSON object: {{\"reason\": string, \"pass\": true when your label is one of {passing}, "
                + "\"score\": 1 when it passes, else 0}";
        }
        messages.Add(("user", closing));
        var prompt = new StringBuilder("\n");
        foreach (var (role, content) in messages) prompt.Append("        - role: ").Append(Quote(role)).Append("\n          content: ").Append(Quote(content)).Append('\n');
        return Add(asserts, grader, "llm-rubric", ("value", Quote(value)), ("threshold", Number(threshold)),
            ("provider", Quote("openai:chat:" + (Text(grader, "model") ?? ""))), ("rubricPrompt", prompt.ToString().TrimEnd('\n')));
    }

    private static string? Add(StringBuilder asserts, JsonElement grader, string type, params (string Key, string Value)[] fields)
    {
        asserts.Append("    - type: ").Append(type).Append('\n');
        asserts.Append("      metric: ").Append(Quote(Text(grader, "name") ?? type)).Append('\n');
        foreach (var (key, value) in fields) asserts.Append("      ").Append(key).Append(':').Append(value.StartsWith('\n') ? "" : " ").Append(value).Append('\n');
        return null;
    }

    private static string? Reference(JsonElement grader, out string? reference)
    {
        reference = Vars(Text(grader, "reference") ?? "");
        return reference is null ? "its reference uses a sample field other than output_text" : null;
    }

    // {{ item.x }} → {{ x }}, {{ sample.output_text }} → {{ output }}; null when another sample field is named.
    private static string? Vars(string template)
    {
        var unknown = false;
        var translated = Placeholder().Replace(template, match =>
        {
            var path = match.Groups[1].Value;
            if (path.StartsWith("item.", StringComparison.Ordinal)) return "{{ " + path["item.".Length..] + " }}";
            if (path == "sample.output_text") return "{{ output }}";
            unknown = true;
            return match.Value;
        });
        return unknown ? null : translated;
    }

    private static bool IsOutput(string template) => Placeholder().Match(template) is { Success: true } match
        && match.Value.Length == template.Trim().Length && match.Groups[1].Value == "sample.output_text";

    private static string? Text(JsonElement json, string key) =>
        json.ValueKind == JsonValueKind.Object && json.TryGetProperty(key, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static string Number(double value) => value.ToString(CultureInfo.InvariantCulture);

    // A YAML double-quoted scalar: backslash, quote and control characters escaped, everything else as it is.
    public static string Quote(string text)
    {
        var quoted = new StringBuilder("\"");
        foreach (var c in text)
        {
            quoted.Append(c switch
            {
                '"' => "\\\"",
                '\\' => "\\\\",
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                < ' ' => "\\x" + ((int)c).ToString("x2", CultureInfo.InvariantCulture),
                _ => c.ToString(),
            });
        }
        return quoted.Append('"').ToString();
    }

    [GeneratedRegex(@"\{\{\s*(.*?)\s*\}\}")]
    private static partial Regex Placeholder();
}
