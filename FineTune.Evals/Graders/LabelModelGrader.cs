using System.Text.Json;

namespace FineTune.Evals;

// OpenAI's label_model: a judge puts the answer in one of labels; it passes (score 1) when that label is one of
// passing_labels. The judge is asked for {"label": …, "reasoning": …}; a reply that is just a label, or names exactly
// one of the labels, counts too. Anything else is an error grade.
internal sealed class LabelModelGrader(string name, JudgePrompt judge, IReadOnlyList<string> labels, IReadOnlyList<string> passingLabels) : Grader(name)
{

    public static LabelModelGrader? Read(GraderReader reader)
    {
        var judge = JudgePrompt.Read(reader);
        var labels = reader.Strings("labels");
        var passing = reader.Strings("passing_labels");
        if (labels is { Count: 0 }) reader.Problem("'labels' is empty");
        foreach (var label in passing?.Where(label => labels is not null && !labels.Contains(label)) ?? [])
        {
            reader.Problem($"passing label '{label}' is not one of the labels");
        }
        return reader.HasProblems ? null : new LabelModelGrader(reader.Name, judge!, labels!, passing!);
    }

    public override async Task<EvalGrade> GradeAsync(GradingContext context, CancellationToken cancellationToken)
    {
        var choices = string.Join(", ", labels.Select(label => JsonSerializer.Serialize(label)));
        var instruction = $$"""Reply with only a JSON object: {"label": <one of {{choices}}>, "reasoning": "<why>"}""";
        var reply = await judge.AskAsync(context, instruction, cancellationToken);
        var answer = JudgePrompt.FindObject(reply);
        var reasoning = answer is { } json ? JudgePrompt.Reasoning(json) : null;
        var label = ReadLabel(reply, answer);
        if (label is null) return Error($"the judge's reply names none of the labels ({choices}): \"{JudgePrompt.Quote(reply)}\"", reasoning);
        var passed = passingLabels.Contains(label);
        return Grade(passed ? 1 : 0, passed, label, reasoning);
    }

    private string? ReadLabel(string reply, JsonElement? answer)
    {
        if (answer is { } json && json.TryGetProperty("label", out var value) && value.ValueKind == JsonValueKind.String) return Known(value.GetString()!);
        if (Known(reply) is { } bare) return bare;
        var named = labels.Where(label => ContainsWord(reply, label)).ToList();
        return named.Count == 1 ? named[0] : null;
    }

    // The label as the grader spells it, for a reply that differs only in case, spaces or quotes.
    private string? Known(string text)
    {
        var trimmed = text.Trim().Trim('"', '\'', '.', '`').Trim();
        return labels.FirstOrDefault(label => string.Equals(label, trimmed, StringComparison.OrdinalIgnoreCase));
    }

    private static bool ContainsWord(string text, string word)
    {
        for (var at = text.IndexOf(word, StringComparison.OrdinalIgnoreCase); at >= 0; at = text.IndexOf(word, at + 1, StringComparison.OrdinalIgnoreCase))
        {
            var before = at == 0 || !char.IsLetterOrDigit(text[at - 1]);
            var after = at + word.Length == text.Length || !char.IsLetterOrDigit(text[at + word.Length]);
            if (before && after) return true;
        }
        return false;
    }
}
